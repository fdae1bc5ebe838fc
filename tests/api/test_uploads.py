"""Uploading through the API: streaming, dedup, names, limits, permissions, companions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.files.models import CompanionFile, InstrumentFile, RunStatus
from lims.files.uploads.handlers import partial_dir

pytestmark = pytest.mark.django_db

FILES_URL = "/api/files/"


def upload(client, dataset, name: str, data: bytes):
    return client.post(
        FILES_URL,
        {"dataset": str(dataset.uid), "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def stored_bytes(instrument_file: InstrumentFile) -> bytes:
    with instrument_file.stored_file.open("rb") as handle:
        return handle.read()


def test_upload_stores_the_bytes_with_their_checksum_and_queues_extraction(
    personas, api_client_for
):
    data = b"\x00\x01DM3 image" * 5000
    response = upload(api_client_for(personas.contributor), personas.dataset, "image.dm3", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duplicate"] is False
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data)
    assert body["status"] == "pending"
    instrument_file = InstrumentFile.objects.get(uid=body["uid"])
    assert stored_bytes(instrument_file) == data
    assert instrument_file.uploaded_by == personas.contributor
    run = instrument_file.runs.get()
    assert run.status == RunStatus.QUEUED and run.extractor_version
    # The temporary upload was moved into storage, not left behind.
    assert list(partial_dir().glob("*.upload*")) == []


def test_same_bytes_twice_are_stored_once(personas, api_client_for):
    client = api_client_for(personas.contributor)
    data = b"same bytes" * 1000
    first = upload(client, personas.dataset, "a.dm3", data)
    second = upload(client, personas.dataset, "copy of a.dm3", data)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["uid"] == first.json()["uid"]
    assert personas.dataset.files.count() == 1
    stored = [p for p in (Path(InstrumentFile().stored_file.storage.location)).rglob("*")]
    assert len([p for p in stored if p.is_file() and p.parent.name != ".partial"]) == 1


def test_a_name_clash_keeps_both_files(personas, api_client_for):
    client = api_client_for(personas.contributor)
    first = upload(client, personas.dataset, "test-1.dm3", b"first" * 100)
    second = upload(client, personas.dataset, "test-1.dm3", b"second" * 100)
    assert first.status_code == second.status_code == 201
    one, two = (InstrumentFile.objects.get(uid=r.json()["uid"]) for r in (first, second))
    assert one.original_name == two.original_name == "test-1.dm3"
    assert one.stored_file.name != two.stored_file.name
    assert stored_bytes(one) == b"first" * 100
    assert stored_bytes(two) == b"second" * 100


def raw_multipart_upload(client, dataset, filename: str, data: bytes):
    """Send the file name exactly as given (the test client would refuse some)."""
    boundary = "----lims-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\n'
            f"{dataset.uid}\r\n"
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic(
        "POST", FILES_URL, body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.dm3", "passwd.dm3"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path/x.tif", "x.tif"),
        ("a;rm -rf $HOME.dm3", "a_rm -rf _HOME.dm3"),
    ],
)
def test_path_traversal_names_stay_inside_storage(personas, api_client_for, name, expected):
    client = api_client_for(personas.contributor)
    response = raw_multipart_upload(client, personas.dataset, name, b"x" * 10)
    assert response.status_code == 201, response.content
    instrument_file = InstrumentFile.objects.get(uid=response.json()["uid"])
    assert instrument_file.original_name == expected
    root = Path(instrument_file.stored_file.storage.location).resolve()
    path = Path(instrument_file.stored_file.path).resolve()
    assert path.is_relative_to(root / "files")
    assert path.name == expected


def test_a_file_without_a_usable_name_is_refused(personas, api_client_for):
    client = api_client_for(personas.contributor)
    response = raw_multipart_upload(client, personas.dataset, "..", b"x" * 10)
    assert response.status_code == 400
    assert personas.dataset.files.count() == 0


def test_an_oversize_upload_is_refused_with_a_clear_message(personas, api_client_for, settings):
    settings.LIMS_MAX_UPLOAD_BYTES = 100_000
    client = api_client_for(personas.contributor)
    response = upload(client, personas.dataset, "big.dm4", b"x" * 200_000)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]
    assert personas.dataset.files.count() == 0
    assert list(partial_dir().glob("*.upload*")) == []


def test_an_oversize_file_in_a_small_request_is_stopped_while_streaming(
    personas, api_client_for, settings
):
    # The request is within the slack, the file is not: the handler stops it while streaming.
    settings.LIMS_MAX_UPLOAD_BYTES = 50_000
    response = upload(
        api_client_for(personas.contributor), personas.dataset, "big.dm4", b"x" * 60_000
    )
    assert response.status_code == 413
    assert personas.dataset.files.count() == 0


def test_session_authenticated_upload_streams_too(personas, client, settings):
    # A browser page uploads with its session and CSRF token; the CSRF check reads the body.
    settings.LIMS_MAX_UPLOAD_BYTES = 50_000
    client.force_login(personas.contributor)
    data = b"y" * 1000
    response = client.post(
        FILES_URL, {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("s.dm3", data)}
    )
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()
    too_big = client.post(
        FILES_URL,
        {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("b.dm3", b"z" * 60_000)},
    )
    assert too_big.status_code == 413


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 404), ("viewer", 403), ("manager", 201)],
)
def test_only_contributors_upload(personas, api_client_for, who, status):
    response = upload(api_client_for(getattr(personas, who)), personas.dataset, "a.dm3", b"a")
    assert response.status_code == status
    assert personas.dataset.files.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize("emi_first", [True, False])
def test_emi_and_ser_uploaded_one_after_the_other_become_one_file(
    personas, api_client_for, emi_first
):
    client = api_client_for(personas.contributor)
    parts = [("run.emi", b"EMI" * 100), ("run_1.ser", b"SER1" * 100), ("run_2.ser", b"SER2" * 50)]
    order = parts if emi_first else [parts[1], parts[2], parts[0]]
    for name, data in order:
        assert upload(client, personas.dataset, name, data).status_code == 201
    instrument_file = personas.dataset.files.get()
    assert instrument_file.original_name == "run.emi"
    companions = list(instrument_file.companions.order_by("original_name"))
    assert [c.original_name for c in companions] == ["run_1.ser", "run_2.ser"]
    assert instrument_file.size == sum(len(data) for _, data in parts)
    # The companions sit beside the .emi under their own names, so the reader finds them.
    folder = Path(instrument_file.stored_file.path).parent
    assert sorted(p.name for p in folder.iterdir()) == ["run.emi", "run_1.ser", "run_2.ser"]
    # Only the latest extraction request counts.
    assert instrument_file.runs.filter(status=RunStatus.QUEUED).count() == 1


def test_a_ser_without_its_emi_is_a_file_of_its_own(personas, api_client_for):
    client = api_client_for(personas.contributor)
    assert upload(client, personas.dataset, "lone_2.ser", b"S" * 10).status_code == 201
    assert personas.dataset.files.get().original_name == "lone_2.ser"
    assert CompanionFile.objects.count() == 0


def test_raw_body_upload_with_content_disposition(personas, api_client_for, settings):
    client = api_client_for(personas.contributor)
    data = bytes(range(256)) * 5000
    response = client.generic(
        "POST",
        f"{FILES_URL}?dataset={personas.dataset.uid}",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_DISPOSITION='attachment; filename="raw scan.dm4"',
    )
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "raw scan.dm4"
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()
    settings.LIMS_MAX_UPLOAD_BYTES = 1000
    too_big = client.generic(
        "POST",
        f"{FILES_URL}?dataset={personas.dataset.uid}",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_DISPOSITION='attachment; filename="big.dm4"',
    )
    assert too_big.status_code == 413


def test_the_same_bytes_sent_again_repair_a_file_whose_stored_copy_was_lost(
    personas, api_client_for
):
    client = api_client_for(personas.contributor)
    data = b"EMSA spectrum bytes\n" * 700
    first = upload(client, personas.dataset, "s.msa", data)
    instrument_file = InstrumentFile.objects.get(uid=first.json()["uid"])
    instrument_file.runs.update(status=RunStatus.FAILED)
    storage = instrument_file.stored_file.storage
    storage.delete(instrument_file.stored_file.name)  # lost: a disk failure, a careless rm
    again = upload(client, personas.dataset, "s (copy).msa", data)
    assert again.status_code == 201, again.content
    body = again.json()
    assert (body["uid"], body["repaired"], body["duplicate"]) == (
        str(instrument_file.uid),
        True,
        False,
    )
    instrument_file.refresh_from_db()
    assert stored_bytes(instrument_file) == data
    assert (
        instrument_file.original_name == "s.msa"
    )  # the file is the same, only its bytes came back
    assert instrument_file.runs.filter(status=RunStatus.QUEUED).count() == 1
    assert personas.dataset.files.count() == 1
    # Now whole, the same bytes are a plain duplicate again.
    third = upload(client, personas.dataset, "s.msa", data)
    assert third.status_code == 200 and third.json()["repaired"] is False


def test_a_lost_companion_is_repaired_too(personas, api_client_for, samples):
    client = api_client_for(personas.contributor)
    emi = samples / "tia/old/16x16_STEM_BF_DF_acquire.emi"
    ser = samples / "tia/old/16x16_STEM_BF_DF_acquire_1.ser"
    assert upload(client, personas.dataset, emi.name, emi.read_bytes()).status_code == 201
    assert upload(client, personas.dataset, ser.name, ser.read_bytes()).status_code == 201
    companion = CompanionFile.objects.get(original_name=ser.name)
    companion.stored_file.storage.delete(companion.stored_file.name)
    again = upload(client, personas.dataset, ser.name, ser.read_bytes())
    assert again.status_code == 201 and again.json()["repaired"] is True
    companion.refresh_from_db()
    with companion.stored_file.open("rb") as handle:
        assert handle.read() == ser.read_bytes()
