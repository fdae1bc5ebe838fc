"""Peak memory per file for the benchmark: HyperSpy's eager read against extraction with
previews, each in a fresh interpreter (:mod:`extraction._peak`). Used by
:mod:`extraction.bench`; not a public entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .grouping import FileGroup

#: the goals: no file's peak over this many times HyperSpy's, nor over this many MB
MAX_RATIO = 2.0
MAX_MB = 500.0
_ROOT = str(Path(__file__).resolve().parents[1])


def peak(mode: str, path: Path, reader: str, previews: Path) -> dict[str, Any]:
    """Figures of one read in a child process (``mode``: ``hyperspy`` or ``extraction``)."""
    env = {**os.environ, "PYTHONPATH": _ROOT}
    done = subprocess.run(
        [sys.executable, "-m", "extraction._peak", mode, str(path), reader, str(previews)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"peak_mb": float("nan"), "ok": False, "error": done.stderr.strip()[-200:]}
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def bench_memory(files: list[tuple[str, FileGroup, str]]) -> None:
    """Print each file's peak memory with HyperSpy and with extraction, and the files over
    the limits."""
    print(f"\n{'peak memory (VmHWM, MB)':<60} {'HyperSpy':>9} {'extract':>9} {'ratio':>6}")
    over: list[str] = []
    with tempfile.TemporaryDirectory(prefix="extraction-memory-") as tmp:
        for name, group, reader in files:
            hyperspy = peak("hyperspy", group.primary, reader, Path(tmp))
            ours = peak("extraction", group.primary, reader, Path(tmp))
            ratio = ours["peak_mb"] / hyperspy["peak_mb"] if hyperspy["peak_mb"] else 0.0
            flag = ""
            if ours["peak_mb"] > MAX_MB or (hyperspy["ok"] and ratio > MAX_RATIO):
                flag = "  OVER"
                over.append(name)
            note = "" if hyperspy["ok"] else "  (HyperSpy failed)"
            print(
                f"{name[-60:]:<60} {hyperspy['peak_mb']:9.0f} {ours['peak_mb']:9.0f} "
                f"{ratio:6.2f}{flag}{note}"
            )
    print(
        f"\n{len(over)} of {len(files)} files over {MAX_RATIO:g}x HyperSpy's eager read or "
        f"{MAX_MB:g} MB" + (": " + ", ".join(over) if over else "")
    )
