"""``manage.py seed_synthetic --files N``: a synthetic catalogue for measuring search."""

from __future__ import annotations

import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lims.search.synthetic import seed_synthetic


class Command(BaseCommand):
    help = (
        "Create N synthetic file records with varied metadata (and their search index entries) "
        "in projects of every visibility and membership size, without real files; from 50,000 "
        "files on PostgreSQL two parallel COPY streams with the indexes built afterwards. "
        "Makes the users synth-manager (facility manager) and synth-user (sees about 5 %% of "
        "the files) for bench_search."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--files", type=int, required=True, help="How many file records.")
        parser.add_argument(
            "--projects", type=int, default=None, help="How many projects (one per 2,000 files)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")

    def handle(self, *args: object, **options: object) -> None:
        files = int(options["files"])  # type: ignore[arg-type]
        if files < 1:
            raise CommandError("--files must be at least 1.")
        started = time.monotonic()
        # A stop (SIGTERM) unwinds like Ctrl-C: the indexes set aside for the load are made
        # again on the way out.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

        def progress(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:7.1f} s] {message}")

        made = seed_synthetic(
            files=files,
            projects=options["projects"],  # type: ignore[arg-type]
            seed=int(options["seed"]),  # type: ignore[arg-type]
            progress=progress,
        )
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {made['files']:,} files in {made['datasets']:,} datasets of "
                f"{made['projects']:,} projects in {seconds:.0f} s "
                f"({made['files'] / max(seconds, 1e-9):,.0f} files/s)."
            )
        )
