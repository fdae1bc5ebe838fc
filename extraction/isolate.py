"""``extract_isolated()``: :func:`extraction.extract` in a child process with a wall-clock
limit and an address-space limit, so a crash, hang or memory blow-up on one file becomes a
``failed`` result instead of taking the caller (a Celery worker) down.

The child is a fresh interpreter started with :mod:`subprocess` (``python -m
extraction._child``) rather than :mod:`multiprocessing`: it works from daemonic pool workers
(Celery prefork), starts without inheriting threads or HDF5 state, and is killed by its own
pid on timeout.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal as signals
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from .core import as_group, file_facts
from .grouping import FileGroup
from .result import ExtractionResult

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def _failed(group: FileGroup, message: str, started: float) -> ExtractionResult:
    result = ExtractionResult(
        path=str(group.primary), companions=[str(p) for p in group.companions], error=message
    )
    with contextlib.suppress(OSError):
        result.file = file_facts(group.primary)
    result.duration_s = time.perf_counter() - started
    return result


def _signal_name(code: int) -> str:
    try:
        return signals.Signals(code).name
    except ValueError:
        return f"signal {code}"


def extract_isolated(
    group_or_path: FileGroup | Path | str,
    *,
    previews_dir: Path | None = None,
    full: bool = True,
    timeout_s: float = 600,
    memory_limit_mb: int = 4096,
    known_sha256: Mapping[str, str] | None = None,
) -> ExtractionResult:
    """Run :func:`extraction.extract` in a child process and return its result.

    The child's address space is limited to ``memory_limit_mb`` (``RLIMIT_AS``) and it is
    killed after ``timeout_s`` seconds. A timeout, a crash (segfault, kill), running out of
    memory or any other failure in the child gives ``status="failed"`` with a message naming
    the file; this function itself does not raise for bad input.
    """
    started = time.perf_counter()
    group = as_group(group_or_path)
    payload = pickle.dumps(
        {
            "group": group,
            "previews_dir": str(previews_dir) if previews_dir is not None else None,
            "full": full,
            "memory_limit_mb": memory_limit_mb,
            "known_sha256": dict(known_sha256 or {}),
        }
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "extraction._child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        return _failed(group, f"Could not start the extraction process: {exc}", started)
    try:
        out, err = process.communicate(payload, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return _failed(
            group,
            f"Extraction of '{group.primary.name}' did not finish within {timeout_s:g} s "
            "and was stopped.",
            started,
        )
    if process.returncode == 0 and out:
        try:
            result = pickle.loads(out)
        except Exception as exc:
            return _failed(
                group, f"Extraction of '{group.primary.name}' returned garbage: {exc}", started
            )
        if isinstance(result, ExtractionResult):
            result.duration_s = time.perf_counter() - started
            return result
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
    if process.returncode and process.returncode < 0:
        how = f"was killed by {_signal_name(-process.returncode)}"
        if -process.returncode == signals.SIGKILL:
            how += " (out of memory?)"
    elif tail and "MemoryError" in tail[0]:
        how = f"ran out of memory (limit {memory_limit_mb} MB)"
    else:
        how = f"exited with code {process.returncode}"
    detail = f": {tail[0]}" if tail else ""
    return _failed(
        group, f"The extraction process for '{group.primary.name}' {how}{detail}", started
    )
