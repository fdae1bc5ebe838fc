"""One small thread pool for work that releases the GIL (hashing, PNG encoding, file writes)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The shared pool (two threads), created on first use."""
    global _POOL
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="extraction")
    return _POOL


def _forget_after_fork() -> None:
    # threads do not survive fork(): a forked worker (Celery prefork) starts its own pool
    global _POOL, _LOCK
    _POOL = None
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
