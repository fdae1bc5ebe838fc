"""``python -m extraction PATH [PATH ...]``: one JSON object per input file (group) per line.

Standard output carries nothing else: readers and the libraries under them print and log to
standard output (RosettaSciIO's logger writes there), so while files are read the process's
file descriptor 1 points to standard error and the JSON lines go to a private copy of the
original standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .core import extract
from .grouping import group_files, walk
from .isolate import extract_isolated
from .version import EXTRACTOR_NAME, EXTRACTOR_VERSION


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also documents the command for ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m extraction",
        description=(
            "Read electron-microscopy files with RosettaSciIO, print one JSON object per file "
            "(companion files such as TIA .ser are grouped with their .emi) with the normalized "
            "metadata of every signal; optionally write PNG previews. Directories are walked."
        ),
        epilog="Exit code 0 when every input was handled (even as failed), 2 on usage errors.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories")
    parser.add_argument(
        "--previews",
        type=Path,
        metavar="DIR",
        help="write thumbnail and preview PNGs here, and the values of spectra as JSON",
    )
    parser.add_argument(
        "--full", action="store_true", help="include each signal's original metadata tree"
    )
    parser.add_argument(
        "--isolate",
        action="store_true",
        help="extract each file in a child process with a time and memory limit",
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds per file with --isolate (600)"
    )
    parser.add_argument(
        "--memory-mb", type=int, default=4096, help="memory limit per file with --isolate (4096)"
    )
    parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON")
    parser.add_argument(
        "--version", action="version", version=f"{EXTRACTOR_NAME} {EXTRACTOR_VERSION}"
    )
    return parser


def _line(result_dict: dict[str, Any], full: bool) -> dict[str, Any]:
    out = dict(result_dict)
    if not full:
        for signal in out["signals"]:
            signal.pop("original_metadata", None)
    return out


@contextlib.contextmanager
def json_only_stdout() -> Iterator[TextIO]:
    """A stream onto the real standard output, while everything else written to file
    descriptor 1 (``print``, loggers holding ``sys.stdout``, C libraries) goes to standard
    error; restored on exit."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with os.fdopen(os.dup(saved), "w", encoding="utf-8") as out:
            yield out
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    missing = [p for p in args.paths if not p.exists()]
    for path in missing:
        print(f"warning: {path} does not exist", file=sys.stderr)
    with json_only_stdout() as out:
        for line in _lines(args):
            out.write(line + "\n")
            out.flush()
    return 0


def _lines(args: argparse.Namespace) -> Iterator[str]:
    for group in group_files(walk(args.paths)):
        if args.isolate:
            result = extract_isolated(
                group,
                previews_dir=args.previews,
                full=args.full,
                timeout_s=args.timeout,
                memory_limit_mb=args.memory_mb,
            )
        else:
            result = extract(group, previews_dir=args.previews, full=args.full)
        line = _line(result.to_dict(), args.full)
        yield json.dumps(line, allow_nan=False, ensure_ascii=False, indent=args.indent)
