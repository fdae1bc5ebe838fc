"""Chunked uploads assembled in a real S3-compatible store (moto_server) as multipart
uploads: the web host never holds the whole file."""

from __future__ import annotations

import hashlib
import os

import pytest

from lims.files.models import InstrumentFile, UploadSession
from lims.files.uploads import services
from lims.files.uploads.multipart import PART_BYTES
from lims.files.uploads.services import session_path
from tests.api.test_chunked_uploads import UPLOADS, put_chunk, start

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def _in_progress(s3_storage) -> list[str]:
    listed = s3_storage.server.client().list_multipart_uploads(Bucket=s3_storage.bucket)
    return [u["Key"] for u in listed.get("Uploads", [])]


def test_chunks_become_parts_and_the_store_assembles_the_file(
    s3_storage, personas, api_client_for
) -> None:
    client = api_client_for(personas.contributor)
    data = os.urandom(2 * 6 * MiB + 123)
    digest = hashlib.sha256(data).hexdigest()
    uid = start(client, personas.dataset, "big scan.dm4", data, sha256=digest).json()["uid"]
    session = UploadSession.objects.get(uid=uid)

    for offset in range(0, len(data), 6 * MiB):
        chunk = data[offset : offset + 6 * MiB]
        answer = put_chunk(client, uid, chunk, offset, len(data))
        assert answer.status_code == 200, answer.content
        session.refresh_from_db()
        # Every chunk of 5 MiB or more is a part in the store at once: nothing stays here.
        assert session_path(session).stat().st_size == (0 if len(chunk) >= PART_BYTES else 123)
    assert len(session.store_upload["parts"]) == 2
    assert _in_progress(s3_storage) == [session.store_upload["key"]]

    done = client.post(f"{UPLOADS}{uid}/complete/")
    assert done.status_code == 201, done.content
    stored = InstrumentFile.objects.get(uid=done.json()["uid"])
    assert stored.sha256 == digest and stored.size == len(data)
    assert stored.stored_file.name == session.store_upload["name"]
    assert s3_storage.keys("files/") == [stored.stored_file.name]  # assembled, not copied
    assert s3_storage.read(stored.stored_file.name) == data
    assert _in_progress(s3_storage) == []
    assert not session_path(session).exists()
    download = api_client_for(personas.viewer).get(f"/api/files/{stored.uid}/download/")
    assert b"".join(download.streaming_content) == data


def test_small_chunks_collect_into_parts_and_another_host_can_finish(
    s3_storage, personas, api_client_for, monkeypatch
) -> None:
    client = api_client_for(personas.contributor)
    data = os.urandom(11 * MiB + 7)
    uid = start(client, personas.dataset, "stack.dm4", data).json()["uid"]
    session = UploadSession.objects.get(uid=uid)
    largest_local = 0
    for offset in range(0, len(data), MiB):
        put_chunk(client, uid, data[offset : offset + MiB], offset, len(data))
        largest_local = max(largest_local, session_path(session).stat().st_size)
    assert largest_local < PART_BYTES  # never more than a part on the web host
    session.refresh_from_db()
    # Two parts of 5 MiB in the store; the last 1 MiB and 7 bytes are still local.
    assert len(session.store_upload["parts"]) == 2

    # Completion on another web host, which never saw the chunks:
    monkeypatch.setattr(services, "_session_hashers", services._SessionHashers())
    done = client.post(f"{UPLOADS}{uid}/complete/")
    assert done.status_code == 201, done.content
    stored = InstrumentFile.objects.get(uid=done.json()["uid"])
    assert stored.sha256 == hashlib.sha256(data).hexdigest()  # read back from the store
    assert s3_storage.read(stored.stored_file.name) == data


def test_wrong_bytes_are_refused_and_the_object_is_gone(
    s3_storage, personas, api_client_for
) -> None:
    client = api_client_for(personas.contributor)
    data = os.urandom(6 * MiB)
    uid = start(client, personas.dataset, "x.dm4", data, sha256="0" * 64).json()["uid"]
    put_chunk(client, uid, data, 0, len(data))
    refused = client.post(f"{UPLOADS}{uid}/complete/")
    assert refused.status_code == 400 and "was reset" in refused.json()["detail"]
    assert s3_storage.keys("files/") == [] and _in_progress(s3_storage) == []
    assert client.get(f"{UPLOADS}{uid}/").json()["offset"] == 0


def test_a_duplicate_leaves_one_object_and_an_abort_leaves_none(
    s3_storage, personas, api_client_for
) -> None:
    client = api_client_for(personas.contributor)
    data = os.urandom(5 * MiB + 1)
    uids = []
    for _ in range(2):
        uid = start(client, personas.dataset, "same.dm4", data).json()["uid"]
        put_chunk(client, uid, data, 0, len(data))
        uids.append(uid)
    first = client.post(f"{UPLOADS}{uids[0]}/complete/").json()
    second = client.post(f"{UPLOADS}{uids[1]}/complete/").json()
    assert second["duplicate"] is True and second["uid"] == first["uid"]
    assert len(s3_storage.keys("files/")) == 1

    uid = start(client, personas.dataset, "given-up.dm4", data).json()["uid"]
    put_chunk(client, uid, data, 0, len(data))
    assert _in_progress(s3_storage) != []
    assert client.delete(f"{UPLOADS}{uid}/").status_code == 204
    assert _in_progress(s3_storage) == []
