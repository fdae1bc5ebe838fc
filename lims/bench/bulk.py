"""The bulk-import benchmark (``manage.py bench_ingest --bulk N``).

* :func:`generate_tree`: N small files in real formats written with RosettaSciIO's writers
  (EDS spectra as EMSA ``.msa``, images as ``.tif``), 500 per folder, each different.
* :func:`bulk_import`: ``import_folder --in-place`` of that tree: how long taking it in and
  queueing its runs took.
* :func:`bulk_extract`: N worker processes extracting the queued runs; files per second
  to ``done`` and every worker process's memory (main, pool, extraction child) sampled
  through the run, to show whether it stays flat.
"""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management import call_command

from lims.bench.ingest import FINAL, Bench, workers
from lims.files.models import ExtractionRun, InstrumentFile

PER_FOLDER = 500


def _signal(data: np.ndarray, axes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": data,
        "axes": axes,
        "metadata": {"General": {"title": "bench"}, "Signal": {"signal_type": ""}},
        "original_metadata": {},
    }


def generate_tree(folder: Path, count: int, *, say: Any = None) -> int:
    """Write ``count`` files under ``folder`` (kept when already there); returns how many
    were written now."""
    from rsciio.msa import file_writer as msa_writer
    from rsciio.tiff import file_writer as tiff_writer

    rng = np.random.default_rng(0)
    energy = [{"name": "Energy", "units": "keV", "size": 256, "scale": 0.01, "offset": 0.0}]
    image = [
        {"name": "y", "units": "nm", "size": 32, "scale": 0.5, "offset": 0.0},
        {"name": "x", "units": "nm", "size": 32, "scale": 0.5, "offset": 0.0},
    ]
    for axis in (*energy, *image):
        axis["navigate"] = False
    written = 0
    started = time.monotonic()
    for n in range(count):
        sub = folder / f"run-{n // PER_FOLDER:04d}"
        name = f"image-{n:06d}.tif" if n % 5 == 4 else f"spectrum-{n:06d}.msa"
        path = sub / name
        if path.exists():
            continue
        sub.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".tif":
            data = (rng.random((32, 32)) * 255).astype("uint8")
            tiff_writer(str(path), _signal(data, image))
        else:
            msa_writer(str(path), _signal(rng.random(256).astype("float32"), energy))
        written += 1
        if say and written % 10_000 == 0:
            say(f"  generated {written} files ({time.monotonic() - started:.0f} s)")
    return written


def bulk_import(bench: Bench, folder: Path, *, batch_size: int) -> dict[str, Any]:
    """``import_folder --in-place`` of ``folder`` into a new dataset; the figures."""
    dataset = bench.dataset("bulk")
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "import_folder",
        str(folder),
        "--project",
        bench.project.slug,
        "--dataset",
        dataset.title,
        "--in-place",
        "--no-progress",
        "--batch-size",
        str(batch_size),
        "--user",
        bench.user.username,
        stdout=out,
        stderr=io.StringIO(),
    )
    seconds = time.perf_counter() - started
    files = InstrumentFile.objects.filter(dataset=dataset).count()
    runs = ExtractionRun.objects.filter(file__dataset=dataset).count()
    result = {
        "dataset": str(dataset.uid),
        "files": files,
        "runs_queued": runs,
        "seconds": round(seconds, 1),
        "files_per_s": round(files / seconds, 1),
    }
    bench.say(
        f"Bulk import (in place) of {files} files: {seconds:.1f} s, "
        f"{result['files_per_s']} files/s, {runs} runs queued"
    )
    return result


def _group_rss_mb(pgid: int) -> dict[str, float]:
    """Resident memory of every process of a worker's process group, by role."""
    out = subprocess.run(
        ["ps", "-o", "pid=,rss=,args=", "-g", str(pgid)], capture_output=True, text=True
    ).stdout
    figures: dict[str, float] = {}
    for line in out.splitlines():
        pid, rss, args = line.split(None, 2)
        if "extraction._child" in args:
            role = "child"
        elif int(pid) == pgid:
            role = "main"
        else:
            role = "pool"
        figures[f"{role}-{pid}"] = int(rss) / 1024
    return figures


def bulk_extract(
    bench: Bench, dataset_uid: str, n_workers: int, *, max_seconds: float
) -> dict[str, Any]:
    """Workers extract the dataset's queued runs; files/s and memory over the run."""
    queryset = InstrumentFile.objects.filter(dataset__uid=dataset_uid)
    total = queryset.count()
    samples: list[tuple[float, int, dict[str, float]]] = []
    with workers(n_workers) as started_workers:
        started = time.perf_counter()
        deadline = started + max_seconds
        last_sample = 0.0
        while True:
            done = queryset.filter(status__in=FINAL).count()
            now = time.perf_counter()
            if now - last_sample >= 15 or done == total:
                memory: dict[str, float] = {}
                for worker in started_workers:
                    memory.update(_group_rss_mb(worker.process.pid))
                samples.append((now - started, done, memory))
                last_sample = now
            if done == total or now > deadline:
                break
            time.sleep(1)
        elapsed = time.perf_counter() - started
    done = samples[-1][1]
    # a process's memory: its first and last sample, and the largest in between (the same
    # process all along; a replaced child shows as another one)
    by_process: dict[str, list[float]] = {}
    for _, _, memory in samples:
        for name, mb in memory.items():
            by_process.setdefault(name, []).append(mb)
    memory_mb = {
        name: {"first": round(v[0]), "max": round(max(v)), "last": round(v[-1]), "n": len(v)}
        for name, v in by_process.items()
    }
    result = {
        "workers": n_workers,
        "files": total,
        "done_or_final": done,
        "seconds": round(elapsed, 1),
        "files_per_s": round(done / elapsed, 2),
        "memory_mb": memory_mb,
        "hours_for_100k": round(100_000 / (done / elapsed) / 3600, 2) if done else None,
    }
    bench.say(
        f"Bulk extraction with {n_workers} worker(s): {done} of {total} files final in "
        f"{elapsed:.0f} s: {result['files_per_s']} files/s "
        f"(100,000 files: {result['hours_for_100k']} h)"
    )
    for name, figures in sorted(memory_mb.items()):
        bench.say(
            f"  {name}: RSS {figures['first']} MB at first, at most {figures['max']} MB, "
            f"{figures['last']} MB at last ({figures['n']} samples)"
        )
    return result
