"""A broker that cannot be reached after an upload committed loses nothing: the bytes stay,
the upload answers 202, the run waits, and it is sent again once the broker is back."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.files.models import ExtractionStatus, InstrumentFile, RunStatus
from lims.files.runs.recovery import extraction_runs_recover
from lims.files.runs.services import NOT_SENT

pytestmark = pytest.mark.django_db(transaction=True)

#: Nothing listens on port 1.
UNREACHABLE = "redis://127.0.0.1:1/0"


def _forget_connections() -> None:
    # The next send opens connections from the broker URL of the moment (kombu keeps one
    # pool per URL, so the real broker's pool is found again afterwards).
    current_app._pool = None
    current_app.amqp._producer_pool = None


@contextmanager
def hung_broker() -> Iterator[str]:
    """A broker address that accepts connections and never answers a byte (a hung server, or
    a half-open network path): what an unreachable port cannot show."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        server.close()
        for connection in accepted:
            connection.close()


@contextmanager
def broker_url(url: str) -> Iterator[None]:
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    saved = os.environ.get("CELERY_BROKER_URL"), current_app.conf.broker_url
    _forget_connections()
    os.environ["CELERY_BROKER_URL"] = current_app.conf.broker_url = url
    try:
        yield
    finally:
        _forget_connections()
        if saved[0] is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved[0]
        current_app.conf.broker_url = saved[1]


def test_an_upload_while_the_broker_is_down_keeps_its_bytes_and_is_sent_later(
    personas, api_client_for, worker_manager
):
    # No worker may take the run sent below while this test's rows are being cleared.
    worker_manager.stop_shared()
    data = b"EMSA spectrum bytes\n" * 500
    client = api_client_for(personas.contributor)
    with broker_url(UNREACHABLE):
        response = client.post(
            "/api/files/",
            {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("s.msa", data)},
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == ExtractionStatus.PENDING
    instrument_file = InstrumentFile.objects.get(uid=body["uid"])
    with instrument_file.stored_file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    run = instrument_file.runs.get()
    assert (run.status, run.message) == (RunStatus.QUEUED, NOT_SENT)
    # The same bytes again are a duplicate of a complete file, not of an empty record.
    again = client.post(
        "/api/files/",
        {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("s.msa", data)},
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # The broker is back: the recovery sends the waiting run at once, not after half an hour.
    assert extraction_runs_recover().resent == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.message) == (RunStatus.QUEUED, "")
    assert extraction_runs_recover().total == 0


def test_a_chunked_upload_completed_while_the_broker_is_down_is_stored_and_waits(
    personas, api_client_for, worker_manager
):
    worker_manager.stop_shared()
    data = b"\x00DM4 bytes" * 30_000
    client = api_client_for(personas.contributor)
    session = client.post(
        "/api/v1/uploads/",
        {"dataset": str(personas.dataset.uid), "filename": "scan.dm4", "size": len(data)},
        format="json",
    ).json()
    chunk = client.generic(
        "PUT",
        f"/api/v1/uploads/{session['uid']}/",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}",
    )
    assert chunk.status_code == 200, chunk.content
    with broker_url(UNREACHABLE):
        done = client.post(f"/api/v1/uploads/{session['uid']}/complete/")
    assert done.status_code == 202, done.content
    instrument_file = InstrumentFile.objects.get(uid=done.json()["uid"])
    with instrument_file.stored_file.open("rb") as handle:
        assert handle.read() == data
    assert instrument_file.runs.get().message == NOT_SENT
    assert extraction_runs_recover().resent == [instrument_file.runs.get().pk]


def test_an_upload_while_the_broker_hangs_answers_within_seconds_and_keeps_its_bytes(
    personas, api_client_for, worker_manager
):
    # The socket timeout (LIMS_BROKER_SOCKET_TIMEOUT_S, 5 s) bounds every broker read: without
    # it the request waited for the broker's answer forever.
    worker_manager.stop_shared()
    assert current_app.conf.broker_transport_options["socket_timeout"] == 5
    data = b"EMSA spectrum bytes, hung broker\n" * 400
    client = api_client_for(personas.contributor)
    with hung_broker() as url, broker_url(url):
        started = time.monotonic()
        response = client.post(
            "/api/files/",
            {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("h.msa", data)},
        )
        waited = time.monotonic() - started
    assert response.status_code == 202, response.content
    assert waited < 30, f"the upload waited {waited:.1f} s on a hung broker"
    instrument_file = InstrumentFile.objects.get(uid=response.json()["uid"])
    with instrument_file.stored_file.open("rb") as handle:
        assert handle.read() == data
    run = instrument_file.runs.get()
    assert (run.status, run.message) == (RunStatus.QUEUED, NOT_SENT)
    assert extraction_runs_recover().resent == [run.pk]
