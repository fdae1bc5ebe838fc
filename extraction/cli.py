"""``python -m extraction PATH [PATH ...]``: one JSON object per input file (group) per line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .core import extract
from .grouping import group_files
from .isolate import extract_isolated
from .version import EXTRACTOR_NAME, EXTRACTOR_VERSION


def _walk(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir() and path.suffix.lower() != ".zspy":
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file() and not any(part.endswith(".zspy") for part in child.parts)
                ) or (child.is_dir() and child.suffix.lower() == ".zspy"):
                    yield child
        else:
            yield path


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    missing = [p for p in args.paths if not p.exists()]
    for path in missing:
        print(f"warning: {path} does not exist", file=sys.stderr)
    for group in group_files(_walk(args.paths)):
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
        sys.stdout.write(
            json.dumps(line, allow_nan=False, ensure_ascii=False, indent=args.indent) + "\n"
        )
        sys.stdout.flush()
    return 0
