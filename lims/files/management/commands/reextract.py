"""``manage.py reextract``: queue new extractions (after a reader fix or a new extractor).

Exit codes: 0 queued (or nothing to do), 2 bad arguments.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet

from lims.accounts.models import User
from lims.core.permissions import SYSTEM, is_facility_manager
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.files.runs.services import extraction_queue, files_outdated

EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "Queue files for extraction again: those of an older extractor version (--outdated), "
        "of a dataset, with a status, or single files. For facility managers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--outdated",
            action="store_true",
            help="Files extracted by an older extractor version (or never successfully).",
        )
        parser.add_argument("--dataset", metavar="UID", help="Every file of this dataset.")
        parser.add_argument("--file", metavar="UID", action="append", default=[], help="A file.")
        parser.add_argument(
            "--status",
            choices=[s.value for s in ExtractionStatus],
            help="Only files in this state (e.g. failed).",
        )
        parser.add_argument(
            "--user", help="The facility manager asking (recorded on the runs; staff only)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, queue nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        selectors = [options["outdated"], options["dataset"], options["file"], options["status"]]
        if not any(selectors):
            raise CommandError(
                "Say which files: --outdated, --dataset UID, --file UID or --status.",
                returncode=EXIT_USAGE,
            )
        user: Any = SYSTEM
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None or not is_facility_manager(user):
                raise CommandError(
                    f"'{options['user']}' is not a facility manager.", returncode=EXIT_USAGE
                )
        files = self._files(options)
        count = files.count()
        if options["dry_run"]:
            self.stdout.write(f"{count} file(s) would be queued.")
            return
        queued = 0
        for instrument_file in files.order_by("id").iterator():
            with transaction.atomic():
                extraction_queue(file=instrument_file, user=user)
            queued += 1
        self.stdout.write(self.style.SUCCESS(f"Queued {queued} file(s) for extraction."))

    def _files(self, options: dict[str, Any]) -> QuerySet[InstrumentFile]:
        files = files_outdated() if options["outdated"] else InstrumentFile.objects.live()
        try:
            dataset = uuid.UUID(options["dataset"]) if options["dataset"] else None
            uids = [uuid.UUID(uid) for uid in options["file"]]
        except ValueError as exc:
            raise CommandError(f"Not a valid uid: {exc}", returncode=EXIT_USAGE) from exc
        if dataset is not None:
            files = files.filter(dataset__uid=dataset)
        if uids:
            files = files.filter(uid__in=uids)
        if options["status"]:
            files = files.filter(status=options["status"])
        return files
