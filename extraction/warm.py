"""A warm, isolated extraction child: the readers imported once, file after file extracted.

:func:`extraction.extract_isolated` starts a fresh interpreter per file, which spends most of
a small file's time importing numpy, dask, pint and RosettaSciIO. :class:`ExtractionChild`
keeps one child process (``python -m extraction._child --serve``) alive instead and sends it
one file at a time over a pipe, with the same isolation per file:

* **time**: a file not answered within ``timeout_s`` gets its child killed (``SIGKILL``);
* **memory**: each file runs under an address-space limit (``RLIMIT_AS``) of the child's
  size before the file plus ``memory_limit_mb``; a file that reached it fails with a message
  saying so;
* **crashes**: a child that dies (a segfault in a C reader, the kernel's OOM killer) fails
  that file only, with the signal's name and the last line the child wrote.

The child is **replaced** after a crash, a timeout, a file that reached the memory limit,
``max_files`` files, or when its resident memory grew ``max_growth_mb`` over what it held when
it was ready (readers that leak, heaps that fragment). The replacement is started at once, so
it imports while the caller stores the last result. A child also exits by itself when its
parent is gone.

Why a long-lived child rather than a fork per file from a preloaded server: forking a process
of 170 MB and touching its pages costs about as much as the small files' extraction itself,
and CoW faults grow with what the readers touch; a plain pipe to a warm process costs well
under a millisecond per file (``manage.py bench_ingest`` prints the per-file overhead). Why a
subprocess rather than :mod:`multiprocessing`: it works from Celery's daemonic pool processes
and starts without the caller's threads, sockets or HDF5 state.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._child import HEADER
from .core import as_group
from .grouping import FileGroup
from .isolate import _PACKAGE_ROOT, _failed, _signal_name
from .result import ExtractionResult

__all__ = ["ChildStats", "ExtractionChild"]

#: seconds a new child may take to import the readers and say it is ready
START_TIMEOUT_S = 180.0
#: seconds to wait for a killed child to be reaped
STOP_TIMEOUT_S = 5.0
_STDERR_TAIL_BYTES = 8192


class _ChildGone(Exception):
    """The child closed its end of the pipe (it exited or was killed)."""


@dataclass
class ChildStats:
    """What the last extraction cost, and the child that did it (for logs and benchmarks)."""

    pid: int | None = None
    #: files this child extracted, the last one included
    files: int = 0
    #: seconds :func:`extraction.extract` took inside the child
    extract_s: float = 0.0
    #: seconds from the call to its return (extract_s plus the overhead of isolation)
    total_s: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    #: why the child was replaced after this file ("" when it was kept)
    replaced: str = ""
    #: children started by this ExtractionChild so far
    started: int = 0
    history: list[str] = field(default_factory=list)


class _Process:
    """One running child: its pipes, where its stderr goes, and what it said when ready."""

    def __init__(self, env: dict[str, str]) -> None:
        folder = tempfile.mkdtemp(prefix="lims-extraction-child-")
        path = Path(folder) / "stderr"
        # appended to by the child, truncated by us between files; gone from the folder at once
        self.stderr_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC)
        path.unlink()
        Path(folder).rmdir()
        self.owner = os.getpid()
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "extraction._child", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_fd,
            env=env,
            close_fds=True,
        )
        self.ready: dict[str, Any] | None = None
        self.files = 0
        self._buffer = b""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def read_frame(self, deadline: float) -> Any:
        """The next answer; TimeoutError after ``deadline``; _ChildGone at end of file."""
        stdout = self.popen.stdout
        assert stdout is not None
        fd = stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            need = HEADER.size
            length: int | None = None
            while True:
                if length is None and len(self._buffer) >= HEADER.size:
                    (length,) = HEADER.unpack(self._buffer[: HEADER.size])
                    need = HEADER.size + length
                if length is not None and len(self._buffer) >= need:
                    payload = self._buffer[HEADER.size : need]
                    self._buffer = self._buffer[need:]
                    return pickle.loads(payload)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, max(need - len(self._buffer), 1 << 16))
                if not chunk:
                    raise _ChildGone
                self._buffer += chunk

    def send(self, message: Any) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        stdin = self.popen.stdin
        assert stdin is not None
        try:
            stdin.write(HEADER.pack(len(payload)) + payload)
            stdin.flush()
        except (BrokenPipeError, ConnectionResetError, ValueError) as exc:
            raise _ChildGone from exc

    def stderr_clear(self) -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(self.stderr_fd, 0)

    def stderr_tail(self) -> list[str]:
        """The last line the child wrote to stderr since the file began (or none)."""
        try:
            size = os.fstat(self.stderr_fd).st_size
            data = os.pread(self.stderr_fd, _STDERR_TAIL_BYTES, max(0, size - _STDERR_TAIL_BYTES))
        except OSError:
            return []
        lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1:]

    def stop(self) -> None:
        """Kill the child (it holds nothing worth a clean exit between files) and reap it."""
        if self.owner != os.getpid():  # inherited through fork(): the parent's to stop
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=STOP_TIMEOUT_S)
        for stream in (self.popen.stdin, self.popen.stdout):
            with contextlib.suppress(OSError, ValueError):
                if stream:
                    stream.close()
        with contextlib.suppress(OSError):
            os.close(self.stderr_fd)


class ExtractionChild:
    """A long-lived extraction child process for one caller process (see the module's doc).

    ``extract()`` takes the same arguments as :func:`extraction.extract_isolated` and, like
    it, never raises for bad input: timeouts, crashes and memory blow-ups are ``failed``
    results naming the file. Calls from several threads are served one after the other.
    """

    def __init__(
        self,
        *,
        max_files: int = 500,
        max_growth_mb: int = 512,
        start_timeout_s: float = START_TIMEOUT_S,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.max_files = max(1, int(max_files))
        self.max_growth_mb = int(max_growth_mb)
        self.start_timeout_s = start_timeout_s
        self._env = dict(env) if env is not None else None
        self._process: _Process | None = None
        self._lock = threading.Lock()
        self.stats = ChildStats()
        atexit.register(self.close)

    # -- the child's life ------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The current child's pid (None before the first start and after close())."""
        process = self._current()
        return process.pid if process is not None else None

    def _current(self) -> _Process | None:
        process = self._process
        if process is not None and process.owner != os.getpid():
            # this process was forked from the one that started the child: not ours to use
            self._process = process = None
        return process

    def start(self) -> None:
        """Start a child now (it imports in the background) unless one is running."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> _Process:
        process = self._current()
        if process is None or process.popen.poll() is not None:
            if process is not None:
                process.stop()
            env = dict(self._env if self._env is not None else os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p
            )
            process = self._process = _Process(env)
            self.stats.started += 1
        return process

    def _retire(self, why: str, *, restart: bool = True) -> None:
        process, self._process = self._current(), None
        if process is not None:
            self.stats.replaced = why
            self.stats.history.append(f"{process.pid}: {why}")
            del self.stats.history[:-20]
            process.stop()
        if restart:
            with contextlib.suppress(OSError):
                self._ensure()

    def close(self) -> None:
        """Stop the child (it finishes nothing: call between files)."""
        with self._lock:
            process, self._process = self._current(), None
            if process is not None:
                process.stop()

    # -- one file --------------------------------------------------------------------------

    def extract(
        self,
        group_or_path: FileGroup | Path | str,
        *,
        previews_dir: Path | None = None,
        full: bool = True,
        timeout_s: float = 600,
        memory_limit_mb: int = 4096,
        known_sha256: Mapping[str, str] | None = None,
    ) -> ExtractionResult:
        """Extract one file (group) in the warm child; see :func:`extract_isolated`."""
        started = time.perf_counter()
        group = as_group(group_or_path)
        request = {
            "group": group,
            "previews_dir": str(previews_dir) if previews_dir is not None else None,
            "full": full,
            "memory_limit_mb": memory_limit_mb,
            "known_sha256": dict(known_sha256 or {}),
        }
        with self._lock:
            self.stats.replaced = ""
            result = self._extract(group, request, started, timeout_s, memory_limit_mb)
            self.stats.total_s = time.perf_counter() - started
            return result

    def _extract(
        self,
        group: FileGroup,
        request: dict[str, Any],
        started: float,
        timeout_s: float,
        memory_limit_mb: int,
    ) -> ExtractionResult:
        name = group.primary.name
        try:
            process = self._ensure()
        except OSError as exc:
            return _failed(group, f"Could not start the extraction process: {exc}", started)
        finished = False
        try:
            if process.ready is None:
                try:
                    process.ready = process.read_frame(time.monotonic() + self.start_timeout_s)
                except (TimeoutError, _ChildGone):
                    tail = process.stderr_tail()
                    self._retire("did not start", restart=False)
                    finished = True
                    detail = f": {tail[0]}" if tail else ""
                    return _failed(group, f"The extraction process did not start{detail}", started)
            process.stderr_clear()
            self.stats.pid = process.pid
            try:
                process.send(request)
                answer = process.read_frame(time.monotonic() + timeout_s)
            except TimeoutError:
                self._retire("timeout")
                finished = True
                return _failed(
                    group,
                    f"Extraction of '{name}' did not finish within {timeout_s:g} s "
                    "and was stopped.",
                    started,
                )
            except _ChildGone:
                message = self._crash_message(process, name, memory_limit_mb)
                self._retire("crash")
                finished = True
                return _failed(group, message, started)
            finished = True
            return self._answered(process, group, answer, memory_limit_mb)
        finally:
            if not finished:
                # interrupted while the child works on the file (the task's own time limit,
                # a signal): its answer would be read as the next file's
                self._retire("interrupted")

    def _crash_message(self, process: _Process, name: str, memory_limit_mb: int) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.popen.wait(timeout=STOP_TIMEOUT_S)
        code = process.popen.returncode
        tail = process.stderr_tail()
        if code is not None and code < 0:
            how = f"was killed by {_signal_name(-code)}"
            if -code == 9:
                how += " (out of memory?)"
        elif tail and "MemoryError" in tail[0]:
            how = f"ran out of memory (limit {memory_limit_mb} MB)"
        else:
            how = f"exited with code {code}"
        detail = f": {tail[0]}" if tail else ""
        return f"The extraction process for '{name}' {how}{detail}"

    def _answered(
        self, process: _Process, group: FileGroup, answer: dict[str, Any], memory_limit_mb: int
    ) -> ExtractionResult:
        result: ExtractionResult = answer["result"]
        process.files += 1
        ready_rss_kb = (process.ready or {}).get("VmRSS", 0)
        stats = self.stats
        stats.files = process.files
        stats.extract_s = answer["extract_s"]
        stats.rss_mb = answer["rss_kb"] / 1024
        stats.peak_rss_mb = answer["peak_rss_kb"] / 1024
        if answer["hit_memory_limit"]:
            if not result.ok:
                why = result.error or "it failed"
                result.error = (
                    f"Extraction of '{group.primary.name}' ran out of memory "
                    f"(limit {memory_limit_mb} MB): {why}"
                )
            self._retire("memory limit")
        elif process.files >= self.max_files:
            self._retire(f"{process.files} files")
        elif answer["rss_kb"] - ready_rss_kb > self.max_growth_mb * 1024:
            self._retire(f"grew {(answer['rss_kb'] - ready_rss_kb) // 1024} MB")
        return result
