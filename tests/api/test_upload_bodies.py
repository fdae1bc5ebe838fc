"""Request bodies that are not what their headers say: refused with a 400, nothing kept.

A body that ends before its Content-Length (a client that disconnected) is never stored as a
shorter file; a malformed Content-Length is a 400 everywhere, never a 500 or an empty file.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, encode_multipart

from lims.files.models import InstrumentFile, UploadSession
from lims.files.uploads.handlers import partial_dir
from lims.files.uploads.services import session_path
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db

FILES_URL = "/api/files/"


def nothing_kept() -> bool:
    return not InstrumentFile.objects.exists() and not list(partial_dir().glob("*.upload*"))


def raw_post(client, dataset, body: bytes, content_length: object, query: str = ""):
    """A raw upload whose Content-Length says what the test wants, whatever the body holds."""
    return client.generic(
        "POST",
        f"{FILES_URL}?dataset={dataset.uid}{query}",
        b"",
        content_type="application/octet-stream",
        HTTP_CONTENT_DISPOSITION='attachment; filename="spectrum.msa"',
        CONTENT_LENGTH=str(content_length),
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_a_raw_body_cut_off_before_its_content_length_is_refused(personas, api_client_for):
    client = api_client_for(personas.contributor)
    response = raw_post(client, personas.dataset, b"x" * 400_000, 1_000_000)
    assert response.status_code == 400, response.content
    assert "ended after 400000 of the 1000000 bytes" in response.json()["detail"]
    assert nothing_kept()
    # The whole body, sent again, is taken.
    whole = raw_post(client, personas.dataset, b"x" * 1_000_000, 1_000_000)
    assert whole.status_code == 201 and whole.json()["size"] == 1_000_000


def test_a_multipart_body_cut_off_is_refused(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = SimpleUploadedFile("a.msa", b"y" * 3_000_000)
    body = encode_multipart(BOUNDARY, {"dataset": str(personas.dataset.uid), "file": data})
    response = client.generic(
        "POST",
        FILES_URL,
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": io.BytesIO(body[:2_500_000])},
    )
    assert response.status_code == 400, response.content
    assert f"ended after 2500000 of the {len(body)} bytes" in response.json()["detail"]
    assert nothing_kept()


def test_the_browser_form_refuses_a_cut_off_body_too(personas, client):
    client.force_login(personas.contributor)
    body = encode_multipart(BOUNDARY, {"files": SimpleUploadedFile("a.msa", b"z" * 2_000_000)})
    response = client.generic(
        "POST",
        f"/datasets/{personas.dataset.uid}/upload/",
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": io.BytesIO(body[: len(body) // 2])},
    )
    assert response.status_code == 400
    assert b"nothing was kept" in response.content
    assert nothing_kept()


@pytest.mark.parametrize("content_length", ["-5", "abc", "1e6", "+12", "12 bytes", "١٢"])
def test_a_malformed_content_length_is_a_400_everywhere(personas, api_client_for, content_length):
    client = api_client_for(personas.contributor)
    upload = raw_post(client, personas.dataset, b"x" * 12, content_length)
    assert upload.status_code == 400
    assert b"Content-Length must be a number of bytes" in upload.content
    session = UploadSession.objects.create(
        dataset=personas.dataset, created_by=personas.contributor, filename="a.dm4", size=12
    )
    chunk = client.generic(
        "PUT",
        f"/api/uploads/{session.uid}/",
        b"",
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE="bytes 0-11/12",
        CONTENT_LENGTH=content_length,
        **{"wsgi.input": io.BytesIO(b"x" * 12)},
    )
    assert chunk.status_code == 400
    page = client.generic("POST", "/accounts/login/", b"", CONTENT_LENGTH=content_length)
    assert page.status_code == 400
    session.refresh_from_db()
    assert nothing_kept() and session.received == 0 and not session_path(session).exists()


def test_a_body_unlike_the_announced_sha256_is_refused(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = b"EMSA spectrum\n" * 1000
    announced = hashlib.sha256(data + b"the rest the client meant to send").hexdigest()
    refused = raw_post(client, personas.dataset, data, len(data), query=f"&sha256={announced}")
    assert refused.status_code == 400
    assert f"not the announced one ({announced})" in refused.json()["detail"]
    assert nothing_kept()
    multipart = client.post(
        FILES_URL,
        {
            "dataset": str(personas.dataset.uid),
            "sha256": announced,
            "file": SimpleUploadedFile("s.msa", data),
        },
        format="multipart",
    )
    assert multipart.status_code == 400 and nothing_kept()
    good = hashlib.sha256(data).hexdigest().upper()
    taken = raw_post(client, personas.dataset, data, len(data), query=f"&sha256={good}")
    assert taken.status_code == 201 and taken.json()["sha256"] == good.lower()
    bad = raw_post(client, personas.dataset, data, len(data), query="&sha256=xyz")
    assert bad.status_code == 400


def _send_part(live_server, token: str, request_line: str, header: str, declared: int, body):
    """Announce ``declared`` bytes of body, send ``body`` only, and keep the socket open."""
    host, port = live_server.thread.host, live_server.thread.port
    sock = socket.create_connection((host, port), timeout=30)
    head = (
        f"{request_line} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/octet-stream\r\n{header}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def _send_part_of_a_body(live_server, token: str, dataset, declared: int, sent: int):
    request_line = f"POST {FILES_URL}?dataset={dataset.uid}"
    header = 'Content-Disposition: attachment; filename="cut.msa"'
    return _send_part(live_server, token, request_line, header, declared, b"m" * sent)


def _answer_after_half_close(sock) -> bytes:
    sock.shutdown(socket.SHUT_WR)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    return answer


def _wait(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_client_that_disconnects_mid_upload_leaves_nothing(personas, live_server):
    token = api_key_for(personas.contributor)
    # The client stops sending (half-closes): the server answers 400 and keeps nothing.
    sock = _send_part_of_a_body(live_server, token, personas.dataset, 1_000_000, 400_000)
    answer = _answer_after_half_close(sock)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"ended after 400000 of the 1000000 bytes" in answer
    assert nothing_kept()

    # The client vanishes (the connection is closed outright) while the server is reading.
    sock = _send_part_of_a_body(live_server, token, personas.dataset, 3_000_000, 1_500_000)
    _wait(lambda: list(partial_dir().glob("*.upload*")), "the server to start streaming")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # with linger 0: a reset, as when a laptop drops off the network
    _wait(lambda: not list(partial_dir().glob("*.upload*")), "the server to drop the upload")
    assert nothing_kept()


def _http(live_server, token: str, method: str, path: str, body: bytes = b"", **headers: str):
    """One request to the live server; (status, JSON body)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{live_server.url}{path}",
        data=body if method in ("PUT", "POST") else None,
        method=method,
        headers={"Authorization": f"Token {token}", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.mark.django_db(transaction=True)
def test_a_chunk_cut_off_by_a_disconnect_keeps_what_arrived_and_resumes(personas, live_server):
    token = api_key_for(personas.contributor)
    data = bytes(range(256)) * 8000  # 2,048,000 bytes
    status, session = _http(
        live_server,
        token,
        "POST",
        "/api/v1/uploads/",
        json.dumps(
            {"dataset": str(personas.dataset.uid), "filename": "scan.dm4", "size": len(data)}
        ).encode(),
        **{"Content-Type": "application/json"},
    )
    assert status == 201, session
    uid = session["uid"]
    header = f"Content-Range: bytes 0-999999/{len(data)}"
    sock = _send_part(
        live_server, token, f"PUT /api/v1/uploads/{uid}/", header, 1_000_000, data[:400_000]
    )
    answer = _answer_after_half_close(sock)  # the laptop went to sleep mid-chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"resume at 400000" in answer
    assert _http(live_server, token, "GET", f"/api/v1/uploads/{uid}/")[1]["offset"] == 400_000
    status, body = _http(
        live_server,
        token,
        "PUT",
        f"/api/v1/uploads/{uid}/",
        data[400_000:],
        **{"Content-Range": f"bytes 400000-{len(data) - 1}/{len(data)}"},
    )
    assert status == 200 and body["offset"] == len(data), body
    status, done = _http(live_server, token, "POST", f"/api/v1/uploads/{uid}/complete/")
    assert status == 201 and done["sha256"] == hashlib.sha256(data).hexdigest(), done
    with InstrumentFile.objects.get(uid=done["uid"]).stored_file.open("rb") as handle:
        assert handle.read() == data
