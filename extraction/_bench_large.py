"""The generated large file of the benchmark: a 4D-STEM ``.hspy`` file of at least N GB,
written chunk-wise, and the time and peak memory of extracting it in a child process.
Used by :mod:`extraction.bench`; not a public entry point."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIG = 128


def write_large_4dstem(path: Path, gigabytes: float) -> tuple[int, ...]:
    """Write a synthetic uint16 4D-STEM dataset of at least ``gigabytes`` GB, chunk by chunk."""
    import dask.array as da
    import numpy as np
    from rsciio.hspy import file_writer

    side = math.ceil(math.sqrt(gigabytes * 1e9 / (SIG * SIG * 2)) / 16) * 16
    shape = (side, side, SIG, SIG)
    yy, xx = np.mgrid[0:SIG, 0:SIG]
    disk = ((yy - SIG / 2) ** 2 + (xx - SIG / 2) ** 2 <= (SIG / 8) ** 2).astype(np.float32)
    ring = np.exp(-(((np.hypot(yy - SIG / 2, xx - SIG / 2) - SIG / 3) / 2.0) ** 2)).astype(
        np.float32
    )

    def block(block_info: Any = None) -> np.ndarray:
        (y0, y1), (x0, x1) = block_info[None]["array-location"][:2]
        ny, nx = y1 - y0, x1 - x0
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        contrast = 0.5 + 0.5 * np.sin(gy / 9.0) * np.cos(gx / 13.0)
        out = 1000 * disk[None, None] * (1.2 - contrast[..., None, None])
        out = out + 300 * ring[None, None] * contrast[..., None, None]
        noise = (
            np.arange(ny * nx * SIG * SIG, dtype=np.uint32).reshape(ny, nx, SIG, SIG) * 2654435761
        ) >> 27
        return (out + noise).astype(np.uint16)

    data = da.map_blocks(
        block, chunks=((16,) * (side // 16), (side,), (SIG,), (SIG,)), dtype=np.uint16
    )
    axes = [
        {"name": "y", "size": side, "scale": 0.5, "offset": 0.0, "units": "nm", "navigate": True},
        {"name": "x", "size": side, "scale": 0.5, "offset": 0.0, "units": "nm", "navigate": True},
        {
            "name": "ky",
            "size": SIG,
            "scale": 0.02,
            "offset": -1.28,
            "units": "1/nm",
            "navigate": False,
        },
        {
            "name": "kx",
            "size": SIG,
            "scale": 0.02,
            "offset": -1.28,
            "units": "1/nm",
            "navigate": False,
        },
    ]
    signal = {
        "data": data,
        "axes": axes,
        "metadata": {
            "General": {"title": "synthetic 4D-STEM", "date": "2024-01-01", "time": "12:00:00"},
            "Signal": {"signal_type": "electron_diffraction"},
            "Acquisition_instrument": {"TEM": {"beam_energy": 300.0, "acquisition_mode": "STEM"}},
        },
        "original_metadata": {},
        "attributes": {"_lazy": True},
        "tmp_parameters": {},
        "package_info": {"package": "", "package_version": ""},
        "learning_results": {},
        "models": {},
    }
    file_writer(
        str(path), signal, chunks=(16, 16, SIG, SIG), compression=None, show_progressbar=False
    )
    return shape


_CHILD = """
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from extraction import extract
result = extract(Path(sys.argv[1]), previews_dir=Path(sys.argv[2]), full=True)
peak_kb = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak_kb = int(line.split()[1])
seconds = time.perf_counter() - start
peak_mb = peak_kb / 1024 or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"status": result.status, "error": result.error, "seconds": seconds,
                  "peak_mb": peak_mb,
                  "kinds": [s.kind for s in result.signals],
                  "previews": [s.previews for s in result.signals]}))
"""


def bench_large(gigabytes: float, workdir: Path | None, keep: bool) -> None:
    """Generate the large file, extract it in a child process, print time and peak memory."""
    base = Path(tempfile.mkdtemp(prefix="extraction-large-", dir=workdir))
    try:
        free = shutil.disk_usage(base).free / 1e9
        if free < gigabytes * 1.3 + 1:
            print(
                f"\nLARGE FILE skipped: {free:.1f} GB free in {base}, "
                f"need ~{gigabytes * 1.3 + 1:.1f} GB"
            )
            return
        path = base / "large_4dstem.hspy"
        start = time.perf_counter()
        shape = write_large_4dstem(path, gigabytes)
        size = path.stat().st_size
        print(
            f"\nLARGE FILE {path.name}: shape {shape} uint16, {size / 1e9:.2f} GB, "
            f"written in {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        from rsciio.hspy import file_reader

        file_reader(str(path), lazy=True)
        print(f"  bare lazy RosettaSciIO read: {time.perf_counter() - start:.3f} s")
        previews = base / "previews"
        previews.mkdir()
        root = str(Path(__file__).resolve().parents[1])
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(previews)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": root},
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            print(f"  extraction process failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
            return
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"  extraction with previews: {report['seconds']:.1f} s in the child "
            f"({wall:.1f} s with interpreter start), status {report['status']}, "
            f"kinds {report['kinds']}"
        )
        # VmHWM of the child itself: RUSAGE_CHILDREN would also count the parent's pages the
        # child held between fork and exec
        print(
            "  peak memory (VmHWM, max RSS of the extraction process): "
            f"{report['peak_mb']:.0f} MB (goal < 500 MB)"
        )
        if keep:
            print(f"  kept in {base}")
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
