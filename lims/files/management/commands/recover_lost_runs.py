"""``manage.py recover_lost_runs``: send again the extractions nobody will finish.

Runs whose worker died (their lease expired), queued runs whose task never reached the job
queue or is long overdue, and files left waiting without any run. Beat does the same every
``LIMS_RUN_RECOVERY_INTERVAL_S``; facility managers also have a button on the operations
page. Exit codes: 0 done, 1 the job queue could not be reached (run it again when it is
back), 2 bad arguments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lims.files.runs.recovery import extraction_runs_recover


class Command(BaseCommand):
    help = (
        "Send again the extraction runs whose worker died (expired lease) or whose task was "
        "lost, and queue files left waiting without a run; give up runs lost too often."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queued-for",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Take a queued run for lost after this many seconds without a worker "
            "(default: the hard time limit plus LIMS_RUN_RECOVERY_GRACE_S).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["queued_for"]
        if seconds is not None and seconds <= 0:
            self.stderr.write("--queued-for must be more than 0 seconds.")
            raise SystemExit(2)
        stale_after = dt.timedelta(seconds=seconds) if seconds is not None else None
        recovery = extraction_runs_recover(stale_after=stale_after)
        for label, ids in (
            ("sent to another worker", recovery.lost),
            ("given up", recovery.given_up),
            ("sent again", recovery.resent),
        ):
            for run_id in ids:
                self.stdout.write(f"run {run_id}: {label}")
        for file_id in recovery.files_queued:
            self.stdout.write(f"file {file_id}: queued")
        self.stdout.write(recovery.summary())
        if recovery.unreachable:
            raise SystemExit(1)
