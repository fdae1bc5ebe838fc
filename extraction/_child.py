"""Child side of :func:`extraction.isolate.extract_isolated` (reads a pickle on stdin, writes
the pickled :class:`ExtractionResult` on stdout). Not a public entry point."""

from __future__ import annotations

import os
import pickle
import sys


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


def main() -> int:
    """Run one extraction as asked on stdin."""
    request = pickle.load(sys.stdin.buffer)
    # keep the result channel clean: anything a library prints goes to stderr
    result_fd = os.dup(1)
    os.dup2(2, 1)
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
    with os.fdopen(result_fd, "wb") as out:
        out.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
