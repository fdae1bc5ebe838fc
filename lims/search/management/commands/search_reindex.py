"""``manage.py search_reindex``: rebuild the search index of every file (after an upgrade
that added the index, or to drop stale vendor keys)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from lims.search.indexing import search_reindex
from lims.search.models import SearchKey


class Command(BaseCommand):
    help = "Rebuild the search index entries (and the vendor keys) of every file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keys", action="store_true", help="Forget the vendor keys first (drops stale ones)."
        )

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        if options["keys"]:
            SearchKey.objects.all().delete()
        written = search_reindex(everything=True)
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Indexed {written:,} files in {seconds:.0f} s."))
