"""Benchmark: ``python -m extraction.bench DIR [DIR ...] [--skip-memory] [--skip-large]``.

1. For every file (group) under the folders: a bare RosettaSciIO read (the plugin's
   ``file_reader`` of the reader the content names, default eager mode, as HyperSpy's
   ``load`` would call it) against full extraction with previews and the original metadata
   tree; per-file times (the best of ``--repeat`` runs: on a shared machine the other runs
   measure the neighbours), the slowest ten files and the total
   ratio. Files no reader claims (``manifest.json``, ``*.md``…) are listed as skipped; reader
   warnings and log records are silenced while timing; each extraction writes its previews
   into a fresh folder, as the LIMS does.
2. Peak memory per file: HyperSpy's eager ``hs.load`` against extraction with previews, each
   in a fresh interpreter (``VmHWM``, imports included), with the files over a limit marked.
3. A generated 4D-STEM ``.hspy`` file of at least N GB (written chunk-wise through
   RosettaSciIO's HSPY writer from a dask array): time and peak memory (RSS) of extraction with
   previews, run in a child process.

Goals: extraction within 1.2x of the bare read over the folders; no file's peak memory over
2x HyperSpy's eager read or 500 MB; peak memory < 500 MB on the large file.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ._bench_large import bench_large
from ._bench_memory import bench_memory
from .core import extract
from .detect import candidate_readers, plugin_by_name
from .grouping import FileGroup, group_files, walk


def bare_reader(group: FileGroup) -> Callable[[], Any] | None:
    """What the benchmark compares against: a call of the first matching reader's
    ``file_reader`` (chosen here from the name and content, outside the timed call), or
    ``None`` when no reader fits."""
    readers = candidate_readers(group.primary)
    if not readers:
        return None
    plugin = plugin_by_name(readers[0])
    assert plugin is not None
    try:
        file_reader = importlib.import_module(plugin["api"]).file_reader
    except ImportError:  # a plug-in whose optional dependency is not installed
        return None
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
) -> tuple[float, float]:
    """Fewest wall-clock and fewest CPU seconds (all threads of the process) of ``repeat``
    calls of ``fn(*setup())`` (``setup`` is not timed). CPU time barely moves when other
    processes share the cores; wall-clock time is what a user waits."""
    wall, cpu = [], []
    for _ in range(repeat):
        args = setup() if setup is not None else ()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


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


@dataclass
class Row:
    """One file's figures."""

    name: str
    group: FileGroup
    reader: str
    bare_s: float = 0.0
    extract_s: float = 0.0
    bare_cpu_s: float = 0.0
    extract_cpu_s: float = 0.0


def collect(folders: list[Path]) -> tuple[list[Row], list[str]]:
    """The file groups under ``folders`` that a reader claims, and the names of the others."""
    rows: list[Row] = []
    skipped: list[str] = []
    for folder in folders:
        for group in group_files(walk([folder])):
            readers = candidate_readers(group.primary)
            name = _name(group, folder)
            if readers:
                rows.append(Row(name, group, readers[0]))
            else:
                skipped.append(name)
    return rows, skipped


def bench_times(rows: list[Row], repeat: int, *, same_folder: bool = False) -> None:
    """Time the bare read and the extraction of every row and print the table, the slowest
    ten files and the totals.

    Each timed extraction writes its previews into a fresh, empty folder, as the LIMS does (a
    new temporary folder per run), so creating the PNG files counts; with ``same_folder``
    every run rewrites the same files.
    """
    reads = {id(row): bare_reader(row.group) for row in rows}
    with quiet(), tempfile.TemporaryDirectory(prefix="extraction-bench-") as tmp:
        root = Path(tmp)

        def fresh() -> tuple[Path]:
            return (root if same_folder else Path(tempfile.mkdtemp(dir=root)),)

        for row in rows:  # warm up imports, numba/JIT and the page cache
            bare_read(row.group)
            extract(row.group, previews_dir=fresh()[0], full=True)
        print(f"{'file':<60} {'bare ms':>9} {'extract ms':>11} {'ratio':>6} {'CPU ratio':>9}")
        for row in rows:
            read = reads[id(row)]
            row.bare_s, row.bare_cpu_s = _time(read, repeat) if read else (0.0, 0.0)
            row.extract_s, row.extract_cpu_s = _time(
                partial(_extract_full, row.group), repeat, fresh
            )
            ratio = row.extract_s / row.bare_s if row.bare_s else float("nan")
            cpu = row.extract_cpu_s / row.bare_cpu_s if row.bare_cpu_s else float("nan")
            print(
                f"{row.name[-60:]:<60} {row.bare_s * 1e3:9.2f} {row.extract_s * 1e3:11.2f} "
                f"{ratio:6.2f} {cpu:9.2f}"
            )
    print("\nslowest ten extractions:")
    for row in sorted(rows, key=lambda r: -r.extract_s)[:10]:
        print(f"  {row.name[-60:]:<60} {row.extract_s * 1e3:9.1f} ms ({row.reader})")
    print()
    folders = sorted({row.name.split("/", 1)[0] for row in rows})
    for label, members in [(f, [r for r in rows if r.name.startswith(f"{f}/")]) for f in folders]:
        _total(f"{label}:", members, repeat)
    if len(folders) > 1:
        _total("TOTAL", rows, repeat)


def _total(label: str, rows: list[Row], repeat: int) -> None:
    bare, extract_ = sum(r.bare_s for r in rows), sum(r.extract_s for r in rows)
    bare_cpu, extract_cpu = sum(r.bare_cpu_s for r in rows), sum(r.extract_cpu_s for r in rows)
    print(
        f"{label} {len(rows)} files: bare RosettaSciIO read {bare:.3f} s, extraction with "
        f"previews {extract_:.3f} s, ratio {extract_ / bare if bare else float('nan'):.2f}x; "
        f"CPU time {bare_cpu:.3f} s against {extract_cpu:.3f} s, ratio "
        f"{extract_cpu / bare_cpu if bare_cpu else float('nan'):.2f}x "
        f"(goal <= 1.2x; best of {repeat} runs per file)"
    )


def _extract_full(group: FileGroup, previews: Path) -> None:
    extract(group, previews_dir=previews, full=True)


def _name(group: FileGroup, folder: Path) -> str:
    primary = group.primary
    name = str(primary.relative_to(folder)) if primary.is_relative_to(folder) else str(primary)
    return f"{folder.name}/{name}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m extraction.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("folders", type=Path, nargs="+", metavar="DIR")
    parser.add_argument(
        "--large-gb", type=float, default=2.0, help="size of the generated 4D-STEM file (2.0)"
    )
    parser.add_argument("--skip-large", action="store_true", help="skip the generated large file")
    parser.add_argument("--skip-times", action="store_true", help="skip the timing table")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak memory per file")
    parser.add_argument(
        "--large-dir", type=Path, default=None, help="where to write it (system temp)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated file and its previews"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per file, the best counts (5)")
    parser.add_argument(
        "--same-previews-folder",
        action="store_true",
        help="rewrite the previews in one folder instead of a fresh folder per run",
    )
    args = parser.parse_args(argv)
    for folder in args.folders:
        if not folder.is_dir():
            parser.error(f"{folder} is not a directory")
    rows, skipped = collect(args.folders)
    if skipped:
        print(f"skipped {len(skipped)} files no reader claims: " + ", ".join(skipped) + "\n")
    if not args.skip_times:
        bench_times(rows, max(1, args.repeat), same_folder=args.same_previews_folder)
    if not args.skip_memory:
        bench_memory([(row.name, row.group, row.reader) for row in rows])
    if not args.skip_large:
        bench_large(args.large_gb, args.large_dir, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
