"""Benchmark: ``python -m extraction.bench DIR [--large-gb N | --skip-large]``.

1. For every file (group) under DIR: a bare RosettaSciIO read (the plugin's ``file_reader``,
   default eager mode, as HyperSpy's ``load`` would call it) against full extraction with
   previews and the original metadata tree; per-file times (median of ``--repeat`` runs) and
   the total ratio. Files no reader claims (``manifest.json``, ``*.md``…) are listed as
   skipped; reader warnings and log records are silenced while timing; each extraction
   writes its previews into a fresh folder, as the LIMS does.
2. A generated 4D-STEM ``.hspy`` file of at least N GB (written chunk-wise through
   RosettaSciIO's HSPY writer from a dask array): time and peak memory (RSS) of extraction with
   previews, run in a child process.

Goals: ratio ≤ 2 on the shared sample folder; peak memory < 500 MB on the large file.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from .core import extract
from .detect import candidate_readers, plugin_by_name
from .grouping import FileGroup, group_files, walk

SIG = 128


def bare_reader(group: FileGroup) -> Callable[[], Any] | None:
    """What the benchmark compares against: a call of the first matching reader's
    ``file_reader`` (chosen here, outside the timed call), or ``None`` when no reader fits."""
    readers = candidate_readers(group.primary)
    if not readers:
        return None
    plugin = plugin_by_name(readers[0])
    assert plugin is not None
    file_reader = importlib.import_module(plugin["api"]).file_reader
    path = str(group.primary)

    def read() -> None:
        with contextlib.suppress(Exception):
            file_reader(path)

    return read


def bare_read(group: FileGroup) -> None:
    """One bare read of ``group`` (nothing when no reader fits)."""
    read = bare_reader(group)
    if read is not None:
        read()


def _time(
    fn: Callable[..., Any], repeat: int, setup: Callable[[], tuple[Any, ...]] | None = None
) -> float:
    """Median seconds of ``repeat`` calls of ``fn(*setup())`` (``setup`` is not timed)."""
    runs = []
    for _ in range(repeat):
        args = setup() if setup is not None else ()
        start = time.perf_counter()
        fn(*args)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No reader warnings or warning log records (RosettaSciIO, HyperSpy, h5py…) on the console
    while timing: printing them is not reading, and they drown the table. The extraction still
    records reader warnings in its results; errors are still logged."""
    previous = logging.root.manager.disable
    logging.disable(max(previous, logging.WARNING))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def bench_folder(folder: Path, repeat: int, *, same_folder: bool = False) -> tuple[float, float]:
    """Print per-file figures; return total bare and extraction seconds.

    Files no RosettaSciIO reader claims (``manifest.json``, ``*.md`` notes…) are not
    instrument files: they are listed as skipped, not timed. Each timed extraction writes its
    previews into a fresh, empty folder, as the LIMS does (a new temporary folder per run), so
    creating the PNG files counts; with ``same_folder`` every run rewrites the same files.
    """
    groups: list[tuple[FileGroup, Callable[[], Any]]] = []
    skipped: list[str] = []
    for group in group_files(walk([folder])):
        read = bare_reader(group)
        if read is None:
            skipped.append(_name(group, folder))
        else:
            groups.append((group, read))
    with quiet(), tempfile.TemporaryDirectory(prefix="extraction-bench-") as tmp:
        root = Path(tmp)

        def fresh() -> tuple[Path]:
            return (root if same_folder else Path(tempfile.mkdtemp(dir=root)),)

        for group, read in groups:  # warm up imports, numba/JIT and the page cache
            read()
            extract(group, previews_dir=fresh()[0], full=True)
        print(f"{'file':<60} {'bare ms':>9} {'extract ms':>11} {'ratio':>6}")
        total_bare = total_extract = 0.0
        for group, read in groups:
            bare = _time(read, repeat)
            full = _time(partial(_extract_full, group), repeat, fresh)
            total_bare += bare
            total_extract += full
            name = _name(group, folder)
            ratio = full / bare if bare else float("nan")
            print(f"{name[-60:]:<60} {bare * 1e3:9.2f} {full * 1e3:11.2f} {ratio:6.2f}")
    if skipped:
        print(
            f"\nskipped {len(skipped)} files no reader claims (not instrument files): "
            + ", ".join(skipped)
        )
    ratio = total_extract / total_bare if total_bare else float("nan")
    print(
        f"\nTOTAL {len(groups)} files: bare RosettaSciIO read {total_bare:.3f} s, "
        f"extraction with previews {total_extract:.3f} s, ratio {ratio:.2f}x "
        f"(goal <= 2x; median of {repeat} runs per file)"
    )
    return total_bare, total_extract


def _extract_full(group: FileGroup, previews: Path) -> None:
    extract(group, previews_dir=previews, full=True)


def _name(group: FileGroup, folder: Path) -> str:
    primary = group.primary
    return str(primary.relative_to(folder)) if primary.is_relative_to(folder) else str(primary)


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
            env={**__import__("os").environ, "PYTHONPATH": root},
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


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m extraction.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument(
        "--large-gb", type=float, default=2.0, help="size of the generated 4D-STEM file (2.0)"
    )
    parser.add_argument("--skip-large", action="store_true", help="skip the generated large file")
    parser.add_argument(
        "--large-dir", type=Path, default=None, help="where to write it (system temp)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated file and its previews"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per file, the median counts (5)"
    )
    parser.add_argument(
        "--same-previews-folder",
        action="store_true",
        help="rewrite the previews in one folder instead of a fresh folder per run",
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a directory")
    bench_folder(args.folder, max(1, args.repeat), same_folder=args.same_previews_folder)
    if not args.skip_large:
        bench_large(args.large_gb, args.large_dir, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
