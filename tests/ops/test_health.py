"""/health/live, /health/ready (and its old name /healthz) against the real services."""

from __future__ import annotations

import re
import socket

import pytest

from lims.core.tasks import send
from tests.worker import flush_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_broker(worker_manager):
    """No worker running (none answers, none takes the jobs counted) and an empty broker."""
    worker_manager.stop_all()
    flush_broker()
    yield
    flush_broker()


def test_live_answers_without_asking_anything(client) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_fails_without_a_worker_and_says_why(client, empty_broker) -> None:
    for url in ("/health/ready", "/healthz"):
        response = client.get(url)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "fail"
        checks = body["checks"]
        assert checks["database"]["ok"] is True
        assert checks["broker"] == {
            "ok": True,
            "detail": {"queues": {"default": 0, "extraction": 0}},
            "ms": checks["broker"]["ms"],
        }
        assert checks["storage"]["ok"] is True
        assert checks["workers"]["ok"] is False
        assert "no worker answered" in checks["workers"]["detail"]["error"]


def test_ready_counts_the_jobs_waiting_in_each_queue(client, empty_broker, settings) -> None:
    settings.LIMS_READY_REQUIRES_WORKER = False
    for _ in range(3):
        send("ops.check_fixity")
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"]["queues"] == {
        "default": 3,
        "extraction": 0,
    }


def test_ready_fails_when_storage_is_gone(client, settings, tmp_path, empty_broker) -> None:
    settings.LIMS_READY_REQUIRES_WORKER = False
    (tmp_path / "share").write_text("a file where the share's folder should be")
    settings.MEDIA_ROOT = tmp_path / "share" / "media"
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False
    assert "NotADirectoryError" in response.json()["checks"]["storage"]["detail"]["error"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ready_passes_with_a_worker(client, settings, worker_manager) -> None:
    settings.LIMS_READY_WORKER_TIMEOUT = 10  # a loaded test machine may answer late
    worker_manager.start()  # a worker of its own, started after the broker was emptied
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    (alive,) = body["checks"]["workers"]["detail"]["alive"]  # the first to answer is enough
    assert re.fullmatch(rf"test-[0-9a-f]{{8}}@{re.escape(socket.gethostname())}", alive)
