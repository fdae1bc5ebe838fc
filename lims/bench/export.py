"""The export benchmark (``manage.py bench_export`` prints it): a dataset of generated large
files, registered in place, exported as an RO-Crate zip through the same generator the
download uses; the zip's bytes are counted and hashed, never kept. Figures: MB/s, and the
process's resident memory before and at its peak during the export, for two dataset sizes,
so that one sees whether memory grows with the data (it should not)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lims.accounts.models import User
from lims.bench.client import MB
from lims.datasets.services import dataset_create
from lims.fair.export import ExportSource, export_stream
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.projects.models import Project

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """The process's resident memory now, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def generate(folder: Path, count: int, size: int, say: Callable[[str], None]) -> list[Path]:
    """``count`` files of ``size`` bytes (random 1 MiB blocks, so nothing compresses), kept
    in ``folder`` for the next run."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"stack-{index:02d}-{size // MB}MB.raw"
        if not path.exists() or path.stat().st_size != size:
            say(f"  writing {path} ...")
            with path.open("wb") as out:
                written = 0
                while written < size:
                    block = os.urandom(min(MB, size - written))
                    out.write(block)
                    written += len(block)
        paths.append(path)
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * MB):
            digest.update(chunk)
    return digest.hexdigest()


def export_memory(*, project: Project, user: User, paths: list[Path], title: str) -> dict[str, Any]:
    """Register ``paths`` in place as one dataset, export it, and measure."""
    dataset = dataset_create(project=project, title=title, created_by=user)
    for path in paths:
        InstrumentFile.objects.create(
            dataset=dataset,
            original_name=path.name,
            external_path=str(path),
            size=path.stat().st_size,
            sha256=_sha256(path),
            status=ExtractionStatus.UNSUPPORTED,
            uploaded_by=user,
        )
    source = ExportSource(
        files=InstrumentFile.objects.filter(dataset=dataset),
        name=dataset.title,
        description="Export benchmark",
        dataset=dataset,
        comments=dataset.comments.all(),
    )
    before = rss()
    peak = before
    sent = 0
    digest = hashlib.sha256()
    started = time.perf_counter()
    for piece in export_stream(source, lambda path: f"http://bench{path}"):
        sent += len(piece)
        digest.update(piece)
        peak = max(peak, rss())
    seconds = time.perf_counter() - started
    data = sum(p.stat().st_size for p in paths)
    return {
        "files": len(paths),
        "data_mb": round(data / MB, 1),
        "zip_mb": round(sent / MB, 1),
        "seconds": round(seconds, 2),
        "mb_per_s": round(sent / MB / seconds, 1),
        "rss_before_mb": round(before / MB, 1),
        "rss_peak_mb": round(peak / MB, 1),
        "rss_growth_mb": round((peak - before) / MB, 1),
    }
