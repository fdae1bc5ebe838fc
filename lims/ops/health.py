"""The checks behind ``/health/ready``: database, broker (with queue lengths), storage and at
least one worker. Each check answers with what it found and how long it took; a failing one
says why."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection

from lims.ops.queues import queue_lengths, workers_alive

#: A name that is never stored: asking whether it exists is a cheap round trip to storage.
STORAGE_PROBE = ".lims-health-probe"


@dataclass
class CheckResult:
    """One check: passed or not, what it found, and its duration in milliseconds."""

    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    ms: float = 0.0


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    return {"queues": queue_lengths()}


def check_storage() -> dict[str, Any]:
    if isinstance(default_storage, FileSystemStorage):
        root = Path(default_storage.location)
        root.mkdir(parents=True, exist_ok=True)  # as storage does on the first save
        if not os.access(root, os.W_OK | os.X_OK):
            raise OSError(f"{root} is not a writable folder")
        return {"backend": "local"}
    default_storage.exists(STORAGE_PROBE)  # raises when the store cannot be reached
    return {"backend": type(default_storage).__name__}


def check_workers() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"alive": [], "eager": True}
    timeout = settings.LIMS_READY_WORKER_TIMEOUT
    alive = workers_alive(timeout=timeout, limit=1)
    can_ping = not settings.CELERY_BROKER_URL.startswith("filesystem")
    if not alive and settings.LIMS_READY_REQUIRES_WORKER and can_ping:
        raise RuntimeError(f"no worker answered a ping within {timeout:g} s")
    return {"alive": alive}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "workers": check_workers,
}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run every check; (all passed, a JSON-ready report)."""
    results: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = CheckResult(ok=True, detail=check())
        except Exception as exc:  # a probe reports every failure, whatever its kind
            result = CheckResult(ok=False, detail={"error": f"{type(exc).__name__}: {exc}"})
        result.ms = round((time.perf_counter() - started) * 1000, 1)
        results[name] = asdict(result)
    ok = all(r["ok"] for r in results.values())
    return ok, {"status": "ok" if ok else "fail", "checks": results}
