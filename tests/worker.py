"""A real Celery worker process for integration tests (``pytest_plugins = ["tests.worker"]``).

The worker is ``celery -A lims worker -Q extraction,default`` started as a subprocess against
the pytest-django test database and the test broker, with its own media folder that the tests
share (:func:`celery_worker` points ``MEDIA_ROOT`` at it). Tests that use it must be
``@pytest.mark.django_db(transaction=True)``, so that the worker sees committed rows, and are
marked ``@pytest.mark.worker``. The broker's Redis database is flushed before and after.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lims.bench.workers import REPO_ROOT, WorkerProcess


def _database_url(settings_dict: dict[str, Any]) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    auth = f"{user}:{password}" if password else user
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def flush_broker() -> None:
    """Empty the test broker (a dedicated Redis database) of queued and unacked messages.

    Kombu's exchange bindings (``_kombu.binding.*``) are kept: without them a running worker's
    control queue is no longer bound to the broadcast exchange, and it never hears a ping."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        return
    import redis

    client = redis.Redis.from_url(url)
    doomed = [key for key in client.scan_iter(count=1000) if not key.startswith(b"_kombu.binding.")]
    if doomed:
        client.delete(*doomed)


def purge_queue(name: str = "extraction") -> None:
    """Empty one queue of the test broker, keeping its bindings (FLUSHDB during a session
    would leave the test process's broker connections with routes that lead nowhere)."""
    from celery import current_app

    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)


class WorkerManager:
    """Starts workers for the test session; one shared worker, plus ad-hoc ones."""

    def __init__(self, database_url: str, media_root: Path, log_dir: Path) -> None:
        self.database_url = database_url
        self.media_root = media_root
        self.log_dir = log_dir
        self.shared: WorkerProcess | None = None
        self.others: list[WorkerProcess] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "MEDIA_ROOT": str(self.media_root),
                "LIMS_TASKS_EAGER": "false",
                "PYTHONPATH": str(REPO_ROOT),
            }
        )
        env.update(extra)
        return env

    def start(self, **extra_env: str) -> WorkerProcess:
        """Start an extra worker (stopped at the end of the session at the latest)."""
        worker = WorkerProcess(
            self.env(**extra_env), self.log_dir / f"worker-{uuid.uuid4()}.log", name="test"
        ).wait_ready()
        self.others.append(worker)
        return worker

    def ensure_shared(self) -> WorkerProcess:
        if self.shared is None or not self.shared.alive:
            self.shared = WorkerProcess(
                self.env(), self.log_dir / "worker-shared.log", name="test"
            ).wait_ready()
        return self.shared

    def stop_shared(self) -> None:
        if self.shared is not None:
            self.shared.stop()
            self.shared = None

    def stop_all(self) -> None:
        self.stop_shared()
        for worker in self.others:
            worker.kill()
        self.others.clear()


@pytest.fixture(scope="session")
def worker_manager(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerManager]:
    """Workers against the test database; all killed, and the broker flushed, at the end."""
    from django.db import connection

    manager = WorkerManager(
        database_url=_database_url(connection.settings_dict),
        media_root=tmp_path_factory.mktemp("worker-media"),
        log_dir=tmp_path_factory.mktemp("worker-logs"),
    )
    flush_broker()
    try:
        yield manager
    finally:
        manager.stop_all()
        flush_broker()


@pytest.fixture
def worker_media(worker_manager: WorkerManager, settings: Any) -> Path:
    """Point this test's storage at the folder the workers use."""
    settings.MEDIA_ROOT = worker_manager.media_root
    return worker_manager.media_root


@pytest.fixture
def celery_worker(worker_manager: WorkerManager, worker_media: Path) -> WorkerProcess:
    """The shared real worker, running; this test's storage is the worker's."""
    return worker_manager.ensure_shared()


def wait_for(
    condition: Callable[[], Any], timeout: float = 120, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)
