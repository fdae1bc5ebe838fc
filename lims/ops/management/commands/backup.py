"""``manage.py backup DIR``: the database and every stored file, with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lims.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump) and every stored file into DIR (new or empty), with "
        "manifest.json listing each file's SHA-256. Exit 0: complete; 1: some stored files "
        "were missing (listed); 2: no backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="A new or empty folder.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["dir"].resolve()
        try:
            summary = backup_create(folder, say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"Backed up into {folder}: the database, {summary.files} stored files "
            f"({summary.bytes / 1e6:.1f} MB); {summary.in_place} files registered in place "
            "are listed, not copied (back up their share separately)."
        )
        if summary.missing:
            for name in summary.missing:
                self.stderr.write(f"missing from storage: {name}")
            raise CommandError(
                f"{len(summary.missing)} stored files were missing (see above).", returncode=1
            )
