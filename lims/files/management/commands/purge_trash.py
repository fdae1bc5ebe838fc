"""``manage.py purge_trash``: delete for good what has been in the trash long enough.

The beat schedule runs the same daily (``files.purge_trash``). Exit codes: 0 done, 2 bad
arguments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lims.files.trash.services import trash_purge


class Command(BaseCommand):
    help = (
        "Delete for good the projects, datasets and files that have been in the trash longer "
        "than LIMS_TRASH_RETENTION_DAYS (or --days), with their stored bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="In the trash at least this many days (default: LIMS_TRASH_RETENTION_DAYS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        older_than = dt.timedelta(days=days) if days is not None else None
        purged = trash_purge(older_than=older_than)
        self.stdout.write(
            f"Purged {purged.projects} project(s), {purged.datasets} dataset(s) and "
            f"{purged.files} file(s)."
        )
