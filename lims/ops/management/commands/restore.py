"""``manage.py restore DIR``: a backup into a fresh database and storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lims.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database (which must "
        "be empty) and storage, checking every file's SHA-256. Then run `manage.py migrate`. "
        "Exit 0: restored; 2: not restored (the reason is printed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="A folder written by `manage.py backup`.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["dir"].resolve()
        try:
            summary = backup_restore(folder, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"Restored the database and {summary.files} stored files "
            f"({summary.bytes / 1e6:.1f} MB, {summary.skipped} already there), every SHA-256 "
            f"checked. {summary.in_place} files registered in place are read from their share."
        )
        if summary.missing:
            self.stderr.write(
                f"{len(summary.missing)} files were already missing when the backup was made."
            )
