"""Uploads larger than a writeback window (:mod:`lims.files.uploads.writeback`), in each of
the three ways a client sends them: the stored bytes and their SHA-256 are exact, nothing is
left in the partial folder, and a cut-off one leaves nothing at all."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.files.models import InstrumentFile, UploadSession
from lims.files.uploads.handlers import partial_dir
from lims.files.uploads.services import session_path
from lims.files.uploads.writeback import WRITEBACK_BYTES, WriteBehind, failure_marker
from tests.waiting import eventually

pytestmark = pytest.mark.django_db

#: Two and a half writeback windows, not a multiple of any chunk size.
SIZE = WRITEBACK_BYTES * 5 // 2 + 12_345


def _send(client, dataset, data: bytes, mode: str):
    if mode == "multipart":
        return client.post(
            "/api/files/",
            {"dataset": str(dataset.uid), "file": SimpleUploadedFile("big.dm4", data)},
            format="multipart",
        )
    if mode == "raw":
        return client.generic(
            "POST",
            f"/api/files/?dataset={dataset.uid}",
            data,
            content_type="application/octet-stream",
            HTTP_CONTENT_DISPOSITION='attachment; filename="big.dm4"',
        )
    session = client.post(
        "/api/uploads/",
        {"dataset": str(dataset.uid), "filename": "big.dm4", "size": len(data)},
        format="json",
    ).json()
    chunk = 3 * 1024 * 1024 + 17  # chunks that straddle the windows
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        answer = client.generic(
            "PUT",
            f"/api/uploads/{session['uid']}/",
            piece,
            content_type="application/octet-stream",
            HTTP_CONTENT_RANGE=f"bytes {start}-{start + len(piece) - 1}/{len(data)}",
        )
        assert answer.status_code == 200, answer.content
    return client.post(f"/api/uploads/{session['uid']}/complete/")


@pytest.mark.parametrize("mode", ["raw", "multipart", "chunked"])
def test_bytes_and_hash_are_exact_past_several_windows(personas, api_client_for, mode):
    data = os.urandom(SIZE)
    response = _send(api_client_for(personas.contributor), personas.dataset, data, mode)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["size"] == SIZE
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    stored = InstrumentFile.objects.get(uid=body["uid"])
    with stored.stored_file.open("rb") as handle:
        assert handle.read() == data
    assert sorted(p.name for p in partial_dir().iterdir() if p.is_file()) == []


@pytest.mark.parametrize("mode", ["raw", "multipart"])
def test_a_large_body_cut_off_leaves_nothing(personas, api_client_for, mode):
    data = os.urandom(SIZE)
    client = api_client_for(personas.contributor)
    if mode == "raw":
        response = client.generic(
            "POST",
            f"/api/files/?dataset={personas.dataset.uid}",
            b"",
            content_type="application/octet-stream",
            HTTP_CONTENT_DISPOSITION='attachment; filename="big.dm4"',
            CONTENT_LENGTH=str(SIZE),
            **{"wsgi.input": io.BytesIO(data[: SIZE // 2])},
        )
    else:
        boundary = "cut-off-boundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\n'
            f"{personas.dataset.uid}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            'name="file"; filename="big.dm4"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        response = client.generic(
            "POST",
            "/api/files/",
            b"",
            content_type=f"multipart/form-data; boundary={boundary}",
            CONTENT_LENGTH=str(len(head) + SIZE + 100),
            **{"wsgi.input": io.BytesIO(head + data[: SIZE // 2])},
        )
    assert response.status_code == 400, response.content
    assert "ended after" in response.json()["detail"]
    assert not InstrumentFile.objects.filter(dataset=personas.dataset).exists()
    assert sorted(p.name for p in partial_dir().iterdir() if p.is_file()) == []


# A disk that fails. The helper thread that syncs an upload while it arrives is the one told
# of a write error (Linux tells each open file once): the upload must still be refused.


@pytest.fixture
def failing_disk(monkeypatch) -> list[int]:
    """fdatasync fails as a failing disk's does; an fsync after it has nothing more to say
    (the error was reported to the helper's open file), so it passes, but only once a helper
    has met the error. The descriptors fdatasync was asked for."""
    asked: list[int] = []
    real_fsync = os.fsync

    def fdatasync(fd: int) -> None:
        asked.append(fd)
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    def fsync(fd: int) -> None:
        deadline = time.monotonic() + 10
        while not asked and time.monotonic() < deadline:
            time.sleep(0.01)
        real_fsync(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    monkeypatch.setattr(os, "fsync", fsync)
    return asked


@pytest.mark.parametrize("mode", ["raw", "multipart"])
def test_an_upload_the_disk_failed_to_sync_is_refused_and_leaves_nothing(
    personas, api_client_for, failing_disk, mode
):
    response = _send(api_client_for(personas.contributor), personas.dataset, os.urandom(SIZE), mode)
    assert failing_disk  # the helper met the error
    assert response.status_code == 500, response.content
    assert response.json()["detail"] == (
        f"The server could not write the upload to its disk ({os.strerror(errno.EIO)}); "
        "nothing was kept, send it again later."
    )
    assert not InstrumentFile.objects.filter(dataset=personas.dataset).exists()
    assert sorted(p.name for p in partial_dir().iterdir() if p.is_file()) == []


def _session(client, dataset, data: bytes) -> UploadSession:
    uid = client.post(
        "/api/uploads/",
        {"dataset": str(dataset.uid), "filename": "big.dm4", "size": len(data)},
        format="json",
    ).json()["uid"]
    return UploadSession.objects.get(uid=uid)


def _put(client, session: UploadSession, data: bytes, start: int, end: int):
    return client.generic(
        "PUT",
        f"/api/uploads/{session.uid}/",
        data[start:end],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start}-{end - 1}/{len(data)}",
    )


def test_a_chunk_the_disk_failed_to_sync_after_its_answer_restarts_the_upload(
    personas, api_client_for, monkeypatch, failing_disk
):
    data = os.urandom(SIZE)
    client = api_client_for(personas.contributor)
    session = _session(client, personas.dataset, data)
    first = WRITEBACK_BYTES + 1000
    # Answered once its bytes are the kernel's; the helper's sync fails after the answer.
    assert _put(client, session, data, 0, first).status_code == 200
    partial = session_path(session)
    assert eventually(lambda: failure_marker(partial).exists())

    onward = _put(client, session, data, first, len(data))
    assert onward.status_code == 409, onward.content
    assert onward.json()["offset"] == 0
    assert "the upload was reset, send it again from the start" in onward.json()["detail"]
    session.refresh_from_db()
    assert session.received == 0 and partial.stat().st_size == 0
    assert not failure_marker(partial).exists()

    monkeypatch.undo()  # the disk works again: the client sends it all again
    assert _put(client, session, data, 0, len(data)).status_code == 200
    done = client.post(f"/api/uploads/{session.uid}/complete/")
    assert done.status_code == 201, done.content
    assert done.json()["sha256"] == hashlib.sha256(data).hexdigest()
    with InstrumentFile.objects.get(uid=done.json()["uid"]).stored_file.open("rb") as handle:
        assert handle.read() == data


def test_completing_an_upload_the_disk_failed_to_sync_records_nothing(
    personas, api_client_for, failing_disk
):
    data = os.urandom(SIZE)
    client = api_client_for(personas.contributor)
    session = _session(client, personas.dataset, data)
    assert _put(client, session, data, 0, len(data)).status_code == 200

    done = client.post(f"/api/uploads/{session.uid}/complete/")
    assert done.status_code == 400, done.content
    assert "the upload was reset, send it again from the start" in done.json()["detail"]
    assert not InstrumentFile.objects.filter(dataset=personas.dataset).exists()
    session.refresh_from_db()
    assert session.received == 0 and session.status == "receiving"


def test_a_chunk_the_disk_had_no_room_for_keeps_what_it_stored(
    personas, api_client_for, monkeypatch
):
    """The disk fills up in the middle of a chunk: a 507 says where to resume, and the file
    completed later has the right bytes and SHA-256 (the running hash had seen the piece
    the disk refused)."""
    data = os.urandom(SIZE)
    client = api_client_for(personas.contributor)
    session = _session(client, personas.dataset, data)
    real_write = WriteBehind.write
    calls: list[int] = []

    def write(self, piece: bytes) -> None:
        calls.append(len(piece))
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(self, piece)

    monkeypatch.setattr(WriteBehind, "write", write)
    full = _put(client, session, data, 0, len(data))
    assert full.status_code == 507, full.content
    kept = calls[0]
    assert full.json()["detail"] == (
        f"The server could not write the upload to its disk ({os.strerror(errno.ENOSPC)}); "
        f"the bytes before {kept} are kept, resume there later."
    )
    assert client.get(f"/api/uploads/{session.uid}/").json()["offset"] == kept

    monkeypatch.undo()  # room again
    assert _put(client, session, data, kept, len(data)).status_code == 200
    done = client.post(f"/api/uploads/{session.uid}/complete/")
    assert done.status_code == 201, done.content
    assert done.json()["sha256"] == hashlib.sha256(data).hexdigest()
