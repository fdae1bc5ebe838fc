"""Child side of the isolated extractions. Not a public entry point.

* ``python -m extraction._child``: one extraction for :func:`extraction.isolate.extract_isolated`
  (reads a pickle on stdin, writes the pickled :class:`ExtractionResult` on stdout).
* ``python -m extraction._child --serve``: the warm child of
  :class:`extraction.warm.ExtractionChild`: imports the readers once, says it is ready,
  then extracts file after file, each request and answer a length-prefixed pickle on
  stdin/stdout, until stdin closes or its parent is gone.
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import sys
import threading
import time
from typing import Any, BinaryIO

#: a frame's length, before its pickle
HEADER = struct.Struct("!Q")
#: how often the warm child checks that the process that started it still lives
PARENT_POLL_S = 1.0


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = int(megabytes) * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _clean_stdout() -> BinaryIO:
    """The real standard output for answers; fd 1 (``print``, C libraries) goes to stderr."""
    result_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(result_fd, "wb")


def main() -> int:
    """Run one extraction as asked on stdin."""
    request = pickle.load(sys.stdin.buffer)
    # keep the result channel clean: anything a library prints goes to stderr
    out = _clean_stdout()
    _limit_memory(request["memory_limit_mb"])
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    from pathlib import Path

    from extraction.core import extract

    previews = request["previews_dir"]
    result = extract(
        request["group"],
        previews_dir=Path(previews) if previews else None,
        full=request["full"],
        known_sha256=request.get("known_sha256"),
    )
    with out:
        out.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


# --- the warm child -------------------------------------------------------------------------


def _status_kb() -> dict[str, int]:
    """This process's memory figures from ``/proc/self/status`` (kB): VmSize, VmPeak, VmRSS,
    VmHWM."""
    figures: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in {"VmSize", "VmPeak", "VmRSS", "VmHWM"}:
                    figures[key] = int(value.split()[0])
    except OSError:
        pass
    return figures


def _reset_peak_rss() -> None:
    """Start ``VmHWM`` again from the current RSS (Linux ``clear_refs``), so that the peak
    reported after a file is that file's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def _set_address_space(limit_kb: int | None) -> None:
    """The soft ``RLIMIT_AS`` (None: back to the hard limit)."""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if limit_kb is None:
            soft = hard
        else:
            soft = limit_kb * 1024
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass


def _watch_parent() -> None:
    """Exit when the process that started this one is gone (a worker killed with SIGKILL):
    a child stuck in a reader would otherwise outlive it."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _warm_up() -> None:
    """Import what extraction will need (the readers RosettaSciIO lists, the units, the
    previews) now rather than on the first file."""
    import importlib

    try:
        from rsciio import IO_PLUGINS
    except ImportError:
        return
    for plugin in IO_PLUGINS:
        name = plugin.get("api")
        if not name:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # a reader whose optional dependency is missing: it stays lazy
            continue


def _read_frame(stream: BinaryIO) -> Any:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    payload = stream.read(length)
    if len(payload) < length:
        return None
    return pickle.loads(payload)


def _write_frame(stream: BinaryIO, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _serve_one(request: dict[str, Any]) -> dict[str, Any]:
    """One extraction under its own address-space limit; the result and the memory figures."""
    from pathlib import Path

    from extraction.core import extract

    before = _status_kb()
    _reset_peak_rss()
    limit_kb = before.get("VmSize", 0) + int(request["memory_limit_mb"]) * 1024
    _set_address_space(limit_kb)
    try:
        previews = request["previews_dir"]
        started = time.perf_counter()
        result = extract(
            request["group"],
            previews_dir=Path(previews) if previews else None,
            full=request["full"],
            known_sha256=request.get("known_sha256"),
        )
        extract_s = time.perf_counter() - started
    finally:
        _set_address_space(None)
    after = _status_kb()
    # VmPeak only grows: at the limit now means at the limit during this file (a child that
    # reached it once is replaced before the next)
    hit_limit = after.get("VmPeak", 0) >= limit_kb - 16 * 1024
    return {
        "result": result,
        "extract_s": extract_s,
        "rss_kb": after.get("VmRSS", 0),
        "peak_rss_kb": after.get("VmHWM", 0),
        "rss_before_kb": before.get("VmRSS", 0),
        "hit_memory_limit": hit_limit,
    }


def serve() -> int:
    """The warm child's loop: ready once, then one answer per request until stdin closes."""
    out = _clean_stdout()
    requests = sys.stdin.buffer
    _watch_parent()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    _warm_up()
    gc.collect()
    # objects that live as long as the process need not be scanned by every collection
    gc.freeze()
    _write_frame(out, {"ready": True, "pid": os.getpid(), **_status_kb()})
    while True:
        request = _read_frame(requests)
        if request is None:
            return 0
        _write_frame(out, _serve_one(request))


if __name__ == "__main__":
    sys.exit(serve() if "--serve" in sys.argv[1:] else main())
