"""``manage.py bench_export [--gb 2] [--files 4]``: the RO-Crate export's speed and memory.

Exports a dataset of ``--files`` generated files adding up to ``--gb`` GB, and one a quarter
of that size, through the streaming export (the bytes are counted and hashed, not kept), and
prints MB/s and the process's resident memory before and at its peak for each. The files are
written once into ``$LIMS_DATA_DIR/bench-export`` and registered in place; the throw-away
project is deleted afterwards.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lims.accounts.models import User
from lims.bench.client import MB
from lims.bench.export import export_memory, generate
from lims.projects.services import project_create


class Command(BaseCommand):
    help = "Benchmark the RO-Crate export: MB/s and peak memory for two dataset sizes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gb", type=float, default=2.0, help="The large dataset (2 GB).")
        parser.add_argument("--files", type=int, default=4, help="Files per dataset (4).")

    def handle(self, *args: Any, **options: Any) -> None:
        user, _ = User.objects.get_or_create(
            username="bench-export", defaults={"is_staff": True, "email": "bench@localhost"}
        )
        project = project_create(
            name="Export benchmark", slug=f"bench-{uuid.uuid4().hex[:8]}", created_by=user
        )
        folder = settings.DATA_DIR / "bench-export"
        figures = {}
        try:
            for label, gb in [("small", options["gb"] / 4), ("large", options["gb"])]:
                size = max(int(gb * 1e9 / options["files"]) // MB, 1) * MB
                self.stdout.write(f"{label}: {options['files']} files of {size // MB} MB")
                paths = generate(folder, options["files"], size, self.stdout.write)
                figures[label] = export_memory(
                    project=project, user=user, paths=paths, title=f"Export {label}"
                )
                self.stdout.write(f"  {json.dumps(figures[label])}")
        finally:
            project.delete()
        growth = [figures[k]["rss_growth_mb"] for k in figures]
        self.stdout.write(json.dumps({**figures, "rss_growth_mb": growth}, indent=2))
