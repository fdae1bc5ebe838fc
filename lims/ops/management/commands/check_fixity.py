"""``manage.py check_fixity``: re-hash stored files and report any that changed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lims.files.models import InstrumentFile
from lims.ops.fixity import FixityBusy, FixityReport, fixity_check, fixity_check_files


class Command(BaseCommand):
    help = (
        "Re-hash stored files (and files registered in place) and compare them with the "
        "SHA-256 recorded at ingest, going on from where the last check stopped. Problems are "
        "recorded, shown to facility managers and e-mailed to them. Exit 0: all verified "
        "bytes are right; 1: changed or missing files (listed); 2: another check is running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-seconds", type=float, help="Stop after this long.")
        parser.add_argument("--max-files", type=int, help="Stop after this many files.")
        parser.add_argument(
            "--max-mb-per-s",
            type=float,
            default=settings.LIMS_FIXITY_MAX_MB_PER_S,
            help="Read no faster than this (MB/s; 0: no limit; default LIMS_FIXITY_MAX_MB_PER_S).",
        )
        parser.add_argument(
            "--restart", action="store_true", help="Start a new pass from the first file."
        )
        parser.add_argument(
            "--file", action="append", default=[], metavar="UID", help="Check only these files."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rate = options["max_mb_per_s"] * 1_000_000
        if options["file"]:
            files = InstrumentFile.objects.filter(uid__in=options["file"]).prefetch_related(
                "companions"
            )
            report = fixity_check_files(files=files, max_bytes_per_s=rate)
        else:
            try:
                report = fixity_check(
                    max_seconds=options["max_seconds"],
                    max_files=options["max_files"],
                    max_bytes_per_s=rate,
                    restart=options["restart"],
                    say=self.stdout.write,
                )
            except FixityBusy as exc:
                raise CommandError(str(exc), returncode=2) from exc
        self._summary(report)

    def _summary(self, report: FixityReport) -> None:
        where = (
            "the pass is complete; the next check starts from the first file"
            if report.pass_completed
            else f"the next check goes on after file id {report.position}"
        )
        self.stdout.write(
            f"Verified {report.files} files ({report.bytes / 1e6:.1f} MB); "
            f"{report.resolved} earlier problems resolved; {where}."
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(
                    f"{problem.get_kind_display()}: {problem.location} (file {problem.file.uid})"
                )
            raise CommandError(
                f"{len(report.problems)} stored files are changed or missing.", returncode=1
            )
