"""``manage.py bench_scale DIR``: scale-out figures, worker hosts and the web tier.

Imports DIR copied ``--copies`` times (a few thousand files from the shared samples) with
one and with two worker "hosts" and prints files per second and the scaling factor; then
serves the file page and the search page from gunicorn to wrk (a second process, bounded in
time and connections) and prints requests per second and latency percentiles. Uses the
configured database, broker and local storage; the throw-away project is deleted afterwards.
Run it on an otherwise idle system.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lims.accounts.models import User
from lims.bench.client import BenchError
from lims.bench.ingest import project_delete_with_bytes
from lims.bench.rounds import counts_parse, in_turn, median_run, ratio
from lims.bench.scale import copies_tree, hosts_throughput, web_throughput
from lims.files.ingest.folders import DEFAULT_EXCLUDES
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.projects.services import project_create


class Command(BaseCommand):
    help = (
        "Scale-out benchmark: files/s importing a folder (copied N times) with 1 and 2 worker "
        "hosts and the speed-up; requests/s and p95 latency of the file and search pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="A folder of instrument files.")
        parser.add_argument("--copies", type=int, default=50, help="Copies of DIR (50).")
        parser.add_argument("--hosts", default="1,2", help="Worker host counts (1,2).")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds per run.")
        parser.add_argument(
            "--rounds",
            type=int,
            default=1,
            help="Runs of each host count, taken in turn (1,2,1,2…); medians compared (1).",
        )
        parser.add_argument("--skip-hosts", action="store_true", help="No ingest figures.")
        parser.add_argument("--skip-web", action="store_true", help="No web figures.")
        parser.add_argument("--web-seconds", type=int, default=15, help="wrk's duration (15).")
        parser.add_argument("--connections", type=int, default=4, help="wrk connections (4).")
        parser.add_argument("--gunicorn-workers", type=int, default=2, help="(2)")
        parser.add_argument("--port", type=int, default=8765, help="gunicorn's port (8765).")
        parser.add_argument(
            "--exclude", action="append", default=["bad"], metavar="GLOB", help="Skip these."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        folder: Path = options["dir"].resolve()
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.", returncode=2)
        user, _ = User.objects.get_or_create(
            username="bench-scale", defaults={"is_staff": True, "email": "bench@localhost"}
        )
        project = project_create(
            name="Scale benchmark", slug=f"bench-{uuid.uuid4().hex[:8]}", created_by=user
        )
        excludes = (*DEFAULT_EXCLUDES, *options["exclude"])
        tree = copies_tree(folder, options["copies"], excludes)
        figures: dict[str, Any] = {}
        try:
            if not options["skip_hosts"]:
                figures.update(self._hosts(tree, project, user, options))
            if not options["skip_web"]:
                done = InstrumentFile.objects.filter(
                    dataset__project=project, status=ExtractionStatus.DONE
                ).order_by("size")
                sample = done[done.count() // 2] if done.exists() else None  # a typical file
                if sample is None:
                    raise CommandError("No extracted file to serve: run without --skip-hosts.")
                figures["web"] = web_throughput(
                    user=user,
                    file_uid=str(sample.uid),
                    query=sample.original_name.rsplit(".", 1)[0].split()[0][:20],
                    port=options["port"],
                    workers=options["gunicorn_workers"],
                    seconds=options["web_seconds"],
                    connections=options["connections"],
                    say=self.stdout.write,
                )
        except BenchError as error:
            raise CommandError(str(error)) from error
        finally:
            project_delete_with_bytes(project)
            shutil.rmtree(tree, ignore_errors=True)
        self.stdout.write(json.dumps(figures, indent=2))

    def _hosts(self, tree: Path, project: Any, user: User, options: dict[str, Any]) -> dict:
        counts = counts_parse(options["hosts"])
        runs = in_turn(
            counts,
            options["rounds"],
            lambda n_hosts, round_: hosts_throughput(
                tree=tree,
                n_hosts=n_hosts,
                project=project,
                user=user,
                media_root=Path(settings.MEDIA_ROOT),
                timeout_s=options["timeout"],
                say=self.stdout.write,
                label=f" round {round_ + 1:02d}",
            ),
        )
        figures: dict[str, Any] = {
            f"hosts={n_hosts}": {
                **median_run(results, "files_per_s", also=["worker_files_per_s"]),
                "runs": results,
            }
            for n_hosts, results in runs.items()
        }
        base = figures[f"hosts={counts[0]}"] if counts else None
        for n_hosts in counts[1:]:
            current = figures[f"hosts={n_hosts}"]
            for key in ("files_per_s", "worker_files_per_s"):
                factor = ratio(current[key], base[key]) if base else None
                figures[f"scaling {n_hosts} vs {counts[0]} ({key})"] = factor
                self.stdout.write(f"Scaling {n_hosts} vs {counts[0]} host(s), {key}: {factor}x")
        return figures
