"""The resumable, chunked upload protocol."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lims.files.models import InstrumentFile, UploadSession
from lims.files.uploads.handlers import partial_dir
from lims.files.uploads.services import session_path

pytestmark = pytest.mark.django_db

UPLOADS = "/api/uploads/"


def start(client, dataset, name: str, data: bytes, sha256: str | None = None):
    body = {"dataset": str(dataset.uid), "filename": name, "size": len(data)}
    if sha256 is not None:
        body["sha256"] = sha256
    return client.post(UPLOADS, body, format="json")


def put_chunk(client, uid: str, data: bytes, start_at: int, total: int, claimed: int | None = None):
    end = start_at + (claimed if claimed is not None else len(data)) - 1
    return client.generic(
        "PUT",
        f"{UPLOADS}{uid}/",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start_at}-{end}/{total}",
    )


def test_a_chunked_upload_interrupted_and_resumed_ends_byte_for_byte(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = os.urandom(3 * 1024 * 1024 + 123)
    digest = hashlib.sha256(data).hexdigest()
    response = start(client, personas.dataset, "big scan.dm4", data, sha256=digest)
    assert response.status_code == 201, response.content
    session = response.json()
    uid, size = session["uid"], len(data)
    assert session["offset"] == 0

    chunk = 1024 * 1024
    assert put_chunk(client, uid, data[:chunk], 0, size).json()["offset"] == chunk
    # The connection drops in the middle of the second chunk: 300 kB of 1 MiB arrive.
    dropped = put_chunk(client, uid, data[chunk : chunk + 300_000], chunk, size, claimed=chunk)
    assert dropped.status_code == 400
    assert "resume" in dropped.json()["detail"]
    # The client asks where to resume, and goes on from there.
    offset = client.get(f"{UPLOADS}{uid}/").json()["offset"]
    assert offset == chunk + 300_000
    # A chunk at the wrong offset is refused, saying the right one.
    wrong = put_chunk(client, uid, data[:10], 0, size)
    assert wrong.status_code == 409 and wrong.json()["offset"] == offset
    # Completing early says how far it got.
    early = client.post(f"{UPLOADS}{uid}/complete/")
    assert early.status_code == 409 and early.json()["offset"] == offset
    while offset < size:
        response = put_chunk(client, uid, data[offset : offset + chunk], offset, size)
        assert response.status_code == 200, response.content
        offset = response.json()["offset"]

    done = client.post(f"{UPLOADS}{uid}/complete/")
    assert done.status_code == 201, done.content
    assert done.json()["sha256"] == digest and done.json()["duplicate"] is False
    instrument_file = InstrumentFile.objects.get(uid=done.json()["uid"])
    assert instrument_file.original_name == "big scan.dm4"
    with instrument_file.stored_file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == digest
    # The partial file was moved into storage; completing again answers the same file.
    assert not session_path(UploadSession.objects.get(uid=uid)).exists()
    again = client.post(f"{UPLOADS}{uid}/complete/")
    assert again.json()["uid"] == done.json()["uid"]
    assert InstrumentFile.objects.count() == 1


def test_upload_offset_header_and_patch_work_too(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = b"abc" * 1000
    uid = start(client, personas.dataset, "x.msa", data).json()["uid"]
    response = client.generic(
        "PATCH",
        f"{UPLOADS}{uid}/",
        data,
        content_type="application/octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )
    assert response.status_code == 200 and response.json()["offset"] == len(data)
    assert client.post(f"{UPLOADS}{uid}/complete/").status_code == 201


def test_a_wrong_checksum_is_refused_and_the_upload_starts_over(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = b"payload" * 100
    uid = start(client, personas.dataset, "x.dm3", data, sha256="0" * 64).json()["uid"]
    put_chunk(client, uid, data, 0, len(data))
    response = client.post(f"{UPLOADS}{uid}/complete/")
    assert response.status_code == 400
    assert "SHA-256" in response.json()["detail"]
    assert client.get(f"{UPLOADS}{uid}/").json()["offset"] == 0
    assert InstrumentFile.objects.count() == 0


def test_chunked_upload_of_known_bytes_is_a_duplicate(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = b"twice" * 100
    for expected_status, duplicate in [(201, False), (200, True)]:
        uid = start(client, personas.dataset, "same.dm3", data).json()["uid"]
        put_chunk(client, uid, data, 0, len(data))
        response = client.post(f"{UPLOADS}{uid}/complete/")
        assert response.status_code == expected_status
        assert response.json()["duplicate"] is duplicate
    assert InstrumentFile.objects.count() == 1
    assert list(partial_dir().glob("session-*")) == []


def test_limits_names_and_permissions(personas, api_client_for, settings):
    settings.LIMS_MAX_UPLOAD_BYTES = 1000
    client = api_client_for(personas.contributor)
    too_big = start(client, personas.dataset, "big.dm4", b"x" * 1001)
    assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]
    traversal = start(client, personas.dataset, "../../../etc/cron.d/evil", b"x")
    assert traversal.json()["filename"] == "evil"
    uid = traversal.json()["uid"]
    past_end = put_chunk(client, uid, b"xx", 0, 1)
    assert past_end.status_code == 400
    # Sessions are their creator's; a viewer may not start one; an outsider sees no dataset.
    assert api_client_for(personas.manager).get(f"{UPLOADS}{uid}/").status_code == 404
    assert start(api_client_for(personas.viewer), personas.dataset, "a", b"a").status_code == 403
    assert start(api_client_for(personas.outsider), personas.dataset, "a", b"a").status_code == 404
    assert start(api_client_for(personas.anonymous), personas.dataset, "a", b"a").status_code in {
        401,
        403,
    }


def test_abandoning_an_upload_deletes_what_arrived(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = b"partial" * 100
    uid = start(client, personas.dataset, "x.dm3", data).json()["uid"]
    put_chunk(client, uid, data[:100], 0, len(data))
    session = UploadSession.objects.get(uid=uid)
    assert session_path(session).stat().st_size == 100
    assert client.delete(f"{UPLOADS}{uid}/").status_code == 204
    assert not session_path(session).exists()
    assert put_chunk(client, uid, data[100:], 100, len(data)).status_code == 409


def test_an_empty_file_can_be_uploaded_in_chunks(personas, api_client_for):
    client = api_client_for(personas.contributor)
    uid = start(client, personas.dataset, "empty.dm3", b"").json()["uid"]
    response = client.post(f"{UPLOADS}{uid}/complete/")
    assert response.status_code == 201
    assert response.json()["size"] == 0


def test_idle_sessions_expire_and_free_their_bytes(personas, api_client_for):
    import datetime as dt

    from django.utils import timezone

    from lims.files.uploads.services import upload_sessions_expire

    client = api_client_for(personas.contributor)
    data = b"stale" * 100
    uid = start(client, personas.dataset, "x.dm3", data).json()["uid"]
    put_chunk(client, uid, data[:100], 0, len(data))
    fresh = start(client, personas.dataset, "y.dm3", data).json()["uid"]
    UploadSession.objects.filter(uid=uid).update(updated_at=timezone.now() - dt.timedelta(days=8))
    assert upload_sessions_expire(idle_for=dt.timedelta(days=7)) == 1
    assert UploadSession.objects.get(uid=uid).status == "aborted"
    assert not session_path(UploadSession.objects.get(uid=uid)).exists()
    assert UploadSession.objects.get(uid=fresh).status == "receiving"


def test_a_chunk_claiming_another_total_or_carrying_more_than_its_range_is_refused(
    personas, api_client_for
):
    client = api_client_for(personas.contributor)
    data = os.urandom(4096)
    uid = start(client, personas.dataset, "scan.dm4", data).json()["uid"]
    wrong_total = put_chunk(client, uid, data[:1024], 0, 9999)
    assert wrong_total.status_code == 400 and "announced 4096" in wrong_total.json()["detail"]
    longer = client.generic(
        "PUT",
        f"{UPLOADS}{uid}/",
        data[:2048],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE="bytes 0-1023/4096",
    )
    assert longer.status_code == 400 and "2048 bytes" in longer.json()["detail"]
    assert client.get(f"{UPLOADS}{uid}/").json()["offset"] == 0


def test_a_contributor_demoted_or_removed_cannot_finish_an_upload(personas, api_client_for):
    from lims.projects.models import Membership

    client = api_client_for(personas.contributor)
    data = os.urandom(2048)
    uid = start(client, personas.dataset, "scan.dm4", data).json()["uid"]
    assert put_chunk(client, uid, data[:1024], 0, len(data)).status_code == 200
    membership = Membership.objects.get(project=personas.project, user=personas.contributor)
    membership.role = "viewer"
    membership.save()
    assert put_chunk(client, uid, data[1024:], 1024, len(data)).status_code == 403
    membership.role = "contributor"
    membership.save()
    assert put_chunk(client, uid, data[1024:], 1024, len(data)).status_code == 200
    membership.delete()
    # No longer a member of the private project: the upload is not even theirs to see.
    assert client.post(f"{UPLOADS}{uid}/complete/").status_code == 404
    assert not InstrumentFile.objects.filter(original_name="scan.dm4").exists()


def test_a_file_uploaded_from_a_folder_keeps_its_folder(personas, api_client_for, samples):
    """A folder dropped or chosen in the browser: each file says its folder; a .ser finds its
    .emi in the same folder only."""
    client = api_client_for(personas.contributor)
    for folder in ("session/2D", "session/3D"):
        source = samples / "digitalmicrograph" / folder.replace("session/", "") / "test-1.dm3"
        body = source.read_bytes()
        response = client.post(
            UPLOADS,
            {
                "dataset": str(personas.dataset.uid),
                "filename": "test-1.dm3",
                "size": len(body),
                "folder": folder + "/../" + folder.rsplit("/", 1)[1],
            },
            format="json",
        )
        assert response.status_code == 201
        uid = response.json()["uid"]
        assert put_chunk(client, uid, body, 0, len(body)).status_code == 200
        assert client.post(f"{UPLOADS}{uid}/complete/").status_code == 201
    folders = sorted(
        InstrumentFile.objects.filter(original_name="test-1.dm3").values_list("folder", flat=True)
    )
    # ".." is dropped, never followed: the path stays inside the dataset.
    assert folders == ["session/2D/2D", "session/3D/3D"]


def test_a_chunk_costs_the_same_few_queries_every_time(
    personas, api_client_for, django_assert_num_queries
):
    client = api_client_for(personas.contributor)
    data = os.urandom(3 * 1000)
    uid = start(client, personas.dataset, "scan.dm4", data).json()["uid"]
    put_chunk(client, uid, data[:1000], 0, len(data))  # the first may warm caches
    # token, session (with its dataset and project), the uploader's role, the commit that does
    # not wait for the disk, lock, update, the savepoint and its release; no reload of the
    # dataset for the answer
    for n in (1, 2):
        with django_assert_num_queries(8):
            response = put_chunk(client, uid, data[n * 1000 : (n + 1) * 1000], n * 1000, len(data))
        assert response.json()["offset"] == (n + 1) * 1000


def test_the_session_asks_for_the_configured_chunk_size(personas, api_client_for, settings):
    settings.LIMS_UPLOAD_CHUNK_BYTES = 3 * 1024 * 1024
    client = api_client_for(personas.contributor)
    created = start(client, personas.dataset, "scan.dm4", b"x" * 10)
    assert created.status_code == 201
    assert created.json()["chunk_size"] == 3 * 1024 * 1024
    uid = created.json()["uid"]
    assert client.get(f"{UPLOADS}{uid}/").json()["chunk_size"] == 3 * 1024 * 1024
    # any size is still taken: the chunk size is advice
    assert put_chunk(client, uid, b"x" * 4, 0, 10).json()["offset"] == 4
    assert put_chunk(client, uid, b"x" * 6, 4, 10).json()["offset"] == 10


def test_chunks_lost_by_a_crash_of_the_host_are_asked_for_again(personas, api_client_for):
    """A chunk is answered before it is fsynced: a crash of the host may lose the last ones
    (the partial file ends early). The session then says where the file really ends, and the
    client's resent chunks make the same file."""
    client = api_client_for(personas.contributor)
    chunk = 1024 * 1024
    data = os.urandom(3 * chunk)
    digest = hashlib.sha256(data).hexdigest()
    uid = start(client, personas.dataset, "scan.dm4", data, sha256=digest).json()["uid"]
    for offset in (0, chunk):
        assert (
            put_chunk(client, uid, data[offset : offset + chunk], offset, len(data)).json()[
                "offset"
            ]
            == offset + chunk
        )
    # The host comes back with the second chunk's last 100 kB never written.
    lost_at = 2 * chunk - 100_000
    with session_path(UploadSession.objects.get(uid=uid)).open("r+b") as handle:
        handle.truncate(lost_at)

    assert client.get(f"{UPLOADS}{uid}/").json()["offset"] == lost_at
    onward = put_chunk(client, uid, data[2 * chunk :], 2 * chunk, len(data))
    assert onward.status_code == 409 and onward.json()["offset"] == lost_at
    resent = put_chunk(client, uid, data[lost_at:], lost_at, len(data))
    assert resent.status_code == 200 and resent.json()["offset"] == len(data)
    done = client.post(f"{UPLOADS}{uid}/complete/")
    assert done.status_code == 201, done.content
    assert done.json()["sha256"] == digest


def test_a_chunks_commit_does_not_wait_for_the_disk(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = os.urandom(2000)
    uid = start(client, personas.dataset, "scan.dm4", data).json()["uid"]
    with CaptureQueriesContext(connection) as queries:
        assert put_chunk(client, uid, data[:1000], 0, len(data)).status_code == 200
    assert "SET LOCAL synchronous_commit TO OFF" in [q["sql"] for q in queries.captured_queries]


def test_a_chunk_whose_commit_the_database_lost_is_asked_for_again(personas, api_client_for):
    """The database may lose a chunk's commit in a crash (it does not wait for the disk):
    the row then says less than the partial file holds, and the client sends again from
    where the row says, which makes the same file."""
    client = api_client_for(personas.contributor)
    data = os.urandom(3000)
    digest = hashlib.sha256(data).hexdigest()
    uid = start(client, personas.dataset, "scan.dm4", data, sha256=digest).json()["uid"]
    for offset in (0, 1000):
        assert put_chunk(client, uid, data[offset : offset + 1000], offset, 3000).status_code == 200
    UploadSession.objects.filter(uid=uid).update(received=1000)  # the second commit, lost

    assert client.get(f"{UPLOADS}{uid}/").json()["offset"] == 1000
    onward = put_chunk(client, uid, data[2000:], 2000, 3000)
    assert onward.status_code == 409 and onward.json()["offset"] == 1000
    assert put_chunk(client, uid, data[1000:], 1000, 3000).json()["offset"] == 3000
    done = client.post(f"{UPLOADS}{uid}/complete/")
    assert done.status_code == 201, done.content
    assert done.json()["sha256"] == digest


def test_completing_after_a_crash_lost_the_tail_asks_for_it(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = os.urandom(2000)
    uid = start(client, personas.dataset, "scan.dm4", data).json()["uid"]
    assert put_chunk(client, uid, data, 0, len(data)).json()["offset"] == 2000
    with session_path(UploadSession.objects.get(uid=uid)).open("r+b") as handle:
        handle.truncate(1500)

    early = client.post(f"{UPLOADS}{uid}/complete/")
    assert early.status_code == 409 and early.json()["offset"] == 1500
    assert put_chunk(client, uid, data[1500:], 1500, len(data)).status_code == 200
    done = client.post(f"{UPLOADS}{uid}/complete/")
    assert done.status_code == 201
    assert done.json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_completion_makes_the_bytes_durable_before_it_records_them(
    personas, api_client_for, monkeypatch
):
    """Chunks are not fsynced one by one (a helper syncs them as they come): the completion fsyncs
    the whole partial file, before the file is in the database."""
    client = api_client_for(personas.contributor)
    data = os.urandom(3000)
    uid = start(client, personas.dataset, "scan.dm4", data).json()["uid"]
    partial = session_path(UploadSession.objects.get(uid=uid))
    synced: list[tuple[int, int]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        stat = os.fstat(fd)
        synced.append((stat.st_ino, InstrumentFile.objects.count()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    for offset in (0, 1000, 2000):
        assert put_chunk(client, uid, data[offset : offset + 1000], offset, 3000).status_code == 200
    assert synced == []  # no flush per chunk
    inode = partial.stat().st_ino

    assert client.post(f"{UPLOADS}{uid}/complete/").status_code == 201
    assert (inode, 0) in synced  # the partial file, while no file was recorded yet
