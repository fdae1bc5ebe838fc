"""Uploads larger than a writeback window (:mod:`lims.files.uploads.writeback`), in each of
the three ways a client sends them: the stored bytes and their SHA-256 are exact, nothing is
left in the partial folder, and a cut-off one leaves nothing at all."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.files.models import InstrumentFile
from lims.files.uploads.handlers import partial_dir
from lims.files.uploads.writeback import WRITEBACK_BYTES

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
