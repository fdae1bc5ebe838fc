"""The benchmark's writer (:mod:`lims.bench.writer`) in a process of its own: a thread would
share the benchmark's GIL and distort its timings.

The process is spawned (not forked: a forked child would share the parent's database
connection), so it sets Django up itself, on the parent's database (under the tests, the test
database the parent's settings name). This module imports no model at its top for that reason:
the child imports it before Django is set up.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Event
from types import TracebackType
from typing import Any

from django.db import connection

#: Seconds to wait for the writer to start, and to finish its last write once told to stop.
START_TIMEOUT = 60
STOP_TIMEOUT = 60


def _main(rate: float, database: dict[str, Any], stop: Event, ready: Event, results: Any) -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"].update(database)  # before any connection is made
    django.setup()
    from lims.bench.writer import write_steadily  # models import only once Django is set up

    try:
        report = write_steadily(rate=rate, stop=stop.is_set, started=ready.set)
        results.put(("done", report))
    except BaseException as exc:
        results.put(("failed", f"{type(exc).__name__}: {exc}"))
        ready.set()
    finally:
        connection.close()


class BackgroundWriter:
    """``with BackgroundWriter(rate=20) as writer: …``: files written at ``rate`` a second by
    another process for the block; ``writer.report`` (a
    :class:`~lims.bench.writer.WriterReport`) once it ends."""

    def __init__(self, *, rate: float) -> None:
        if rate <= 0:
            raise ValueError("The writer's rate must be positive.")
        self.rate = rate
        self.report: Any = None
        context = multiprocessing.get_context("spawn")
        self._stop, self._ready = context.Event(), context.Event()
        self._results = context.Queue()
        database = {"NAME": connection.settings_dict["NAME"]}
        self._process = context.Process(
            target=_main,
            args=(rate, database, self._stop, self._ready, self._results),
            name="bench writer",
            daemon=True,
        )

    def __enter__(self) -> BackgroundWriter:
        self._process.start()
        if not self._ready.wait(START_TIMEOUT):
            self._process.kill()
            raise RuntimeError("The writer did not start.")
        if not self._results.empty():
            self._finish()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._finish()

    def _finish(self) -> None:
        try:
            status, value = self._results.get(timeout=STOP_TIMEOUT)
        finally:
            self._process.join(STOP_TIMEOUT)
            if self._process.is_alive():
                self._process.kill()
        if status != "done":
            raise RuntimeError(f"The writer failed: {value}")
        self.report = value
