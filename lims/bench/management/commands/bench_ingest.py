"""``manage.py bench_ingest DIR [--workers N]``: how fast files go from upload to ``done``.

Two measurements, printed as figures (see :mod:`lims.bench.ingest`): throughput with N worker
processes (``--workers 1,2`` runs both and prints the speed-up), and the upload path's speed
against a plain write of the same size, with peak memory. It uses the configured database,
broker and storage, creates a throw-away project and deletes it (and its stored files)
afterwards. Run it on an otherwise idle system.
"""

from __future__ import annotations

import json
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lims.accounts.models import User
from lims.accounts.services import api_token_create
from lims.bench.bulk import bulk_extract, bulk_import, generate_tree
from lims.bench.client import MB, BenchError, Client
from lims.bench.ingest import Bench, project_delete_with_bytes, throughput, upload_speed
from lims.bench.rounds import counts_parse, in_turn, median_run, ratio
from lims.files.ingest.folders import DEFAULT_EXCLUDES
from lims.projects.services import project_create


class Command(BaseCommand):
    help = (
        "Benchmark ingest: files/s and MB/s from upload to done with N worker processes, and "
        "the upload path's speed (vs. a plain disk write) and peak memory on a large file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="A folder of instrument files to ingest.")
        parser.add_argument(
            "--workers", default="1", help="Worker processes; a list (1,2) runs each in turn."
        )
        parser.add_argument(
            "--repeat", type=int, default=3, help="Upload the folder this many times (3)."
        )
        parser.add_argument(
            "--upload-gb", type=float, default=2.0, help="Size of the generated file (2 GB)."
        )
        parser.add_argument("--chunk-mb", type=int, default=64, help="Chunk size (64 MB).")
        parser.add_argument(
            "--rounds", type=int, default=3, help="Upload measurements per mode (median; 3)."
        )
        parser.add_argument(
            "--worker-rounds",
            type=int,
            default=1,
            help="Runs of each worker count, taken in turn (1,2,1,2…); medians compared (1).",
        )
        parser.add_argument("--skip-upload", action="store_true", help="No large-file test.")
        parser.add_argument(
            "--drop-caches",
            action="store_true",
            help="Start each write of the upload test from an emptied page cache (root).",
        )
        parser.add_argument("--skip-workers", action="store_true", help="No throughput test.")
        parser.add_argument("--timeout", type=float, default=1800, help="Seconds per run.")
        parser.add_argument(
            "--exclude", action="append", default=[], metavar="GLOB", help="Skip these names."
        )
        parser.add_argument(
            "--bulk",
            type=int,
            default=0,
            metavar="N",
            help="Also generate N small real-format files and import them in place (bulk).",
        )
        parser.add_argument(
            "--bulk-dir",
            type=Path,
            default=None,
            help="Where the generated files go (kept for the next run; default: "
            "LIMS_DATA_DIR/bench-bulk-N).",
        )
        parser.add_argument(
            "--bulk-workers", type=int, default=2, help="Workers extracting the bulk import (2)."
        )
        parser.add_argument(
            "--bulk-seconds",
            type=float,
            default=600,
            help="How long the workers extract the bulk import before the figures (600).",
        )
        parser.add_argument(
            "--bulk-batch", type=int, default=500, help="import_folder's --batch-size (500)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A terminated benchmark still stops its workers and deletes its project (finally:).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        folder: Path = options["dir"].resolve()
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.", returncode=2)
        user, _ = User.objects.get_or_create(
            username="bench-ingest", defaults={"is_staff": True, "email": "bench@localhost"}
        )
        _, key = api_token_create(user=user, name="bench_ingest")
        project = project_create(
            name="Ingest benchmark", slug=f"bench-{uuid.uuid4().hex[:8]}", created_by=user
        )
        bench = Bench(client=Client(key), project=project, user=user, say=self.stdout.write)
        figures: dict[str, Any] = {}
        try:
            if not options["skip_workers"]:
                figures.update(self._throughput(bench, folder, options))
            if options["bulk"]:
                figures["bulk"] = self._bulk(bench, options)
            if not options["skip_upload"]:
                figures["upload"] = upload_speed(
                    bench,
                    size=int(options["upload_gb"] * 1e9),
                    rounds=options["rounds"],
                    chunk_bytes=options["chunk_mb"] * MB,
                    drop_caches=options["drop_caches"],
                )
        except BenchError as error:
            raise CommandError(str(error)) from error
        finally:
            project_delete_with_bytes(project)
        self.stdout.write(json.dumps(figures, indent=2))

    def _bulk(self, bench: Bench, options: dict[str, Any]) -> dict[str, Any]:
        count = options["bulk"]
        folder = options["bulk_dir"] or settings.DATA_DIR / f"bench-bulk-{count}"
        self.stdout.write(f"Generating {count} files in {folder} (kept for the next run)...")
        generate_tree(folder, count, say=self.stdout.write)
        figures = {"import": bulk_import(bench, folder, batch_size=options["bulk_batch"])}
        if options["bulk_workers"] > 0:
            figures["extract"] = bulk_extract(
                bench,
                figures["import"]["dataset"],
                options["bulk_workers"],
                max_seconds=options["bulk_seconds"],
            )
        return figures

    def _throughput(self, bench: Bench, folder: Path, options: dict[str, Any]) -> dict[str, Any]:
        counts = counts_parse(options["workers"])
        runs = in_turn(
            counts,
            options["worker_rounds"],
            lambda n_workers, _round: throughput(
                bench,
                folder,
                n_workers,
                repeat=options["repeat"],
                timeout_s=options["timeout"],
                excludes=(*DEFAULT_EXCLUDES, *options["exclude"]),
            ),
        )
        figures: dict[str, Any] = {
            f"workers={n_workers}": median_run(results, "files_per_s", also=["files_per_s_warm"])
            for n_workers, results in runs.items()
        }
        base = figures[f"workers={counts[0]}"] if counts else {}
        for n_workers in counts[1:]:
            current = figures[f"workers={n_workers}"]
            speedup = ratio(current["files_per_s"], base["files_per_s"])
            figures[f"speedup {n_workers} vs {counts[0]}"] = speedup
            warm_speedup = ratio(current["files_per_s_warm"], base["files_per_s_warm"])
            figures[f"speedup {n_workers} vs {counts[0]} (warm)"] = warm_speedup
            pairs = [
                ratio(r["files_per_s"], b["files_per_s"])
                for r, b in zip(runs[n_workers], runs[counts[0]], strict=True)
            ]
            self.stdout.write(
                f"Speed-up {n_workers} vs {counts[0]} worker(s): {speedup}x "
                f"({warm_speedup}x once warm)"
                + (f"; the rounds' pairs {pairs}" if len(pairs) > 1 else "")
            )
        return figures
