"""Files, previews and downloads on S3-compatible object storage (a real moto_server process)."""

from __future__ import annotations

import hashlib
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.core.objectstorage import InstrumentS3Storage
from lims.files.models import InstrumentFile
from tests.worker import wait_for

pytestmark = pytest.mark.django_db

NAME = "Probe µm 日本.dm3"


def _upload(client, dataset, data: bytes, name: str = NAME):
    return client.post(
        "/api/files/",
        {"dataset": str(dataset.uid), "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def test_uploads_are_stored_as_private_objects_under_safe_names(
    s3_storage, personas, api_client_for
) -> None:
    assert isinstance(default_storage, InstrumentS3Storage)
    data = b"\x00DM3" + bytes(range(256)) * 40
    response = _upload(api_client_for(personas.contributor), personas.dataset, data)
    assert response.status_code == 201, response.content
    stored = InstrumentFile.objects.get(uid=response.json()["uid"])
    assert stored.stored_file.name in s3_storage.keys("files/")
    assert s3_storage.read(stored.stored_file.name) == data
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    # The same name again gets a new object; nothing is ever overwritten.
    again = _upload(api_client_for(personas.contributor), personas.dataset, data + b"!")
    other = InstrumentFile.objects.get(uid=again.json()["uid"])
    assert len(s3_storage.keys("files/")) == 2 and other.stored_file.name != stored.stored_file.name
    acl = s3_storage.server.client().get_object_acl(
        Bucket=s3_storage.bucket, Key=other.stored_file.name
    )
    assert all(g["Grantee"].get("URI", "").endswith("AllUsers") is False for g in acl["Grants"])


def test_downloads_stream_through_the_application_by_default(
    s3_storage, personas, api_client_for
) -> None:
    data = b"streamed bytes" * 1000
    uid = _upload(api_client_for(personas.contributor), personas.dataset, data).json()["uid"]
    response = api_client_for(personas.viewer).get(f"/files/{uid}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert (
        "filename*=utf-8''Probe%20%C2%B5m%20%E6%97%A5%E6%9C%AC.dm3"
        in (response["Content-Disposition"])
    )


def test_redirect_mode_hands_out_a_short_lived_signed_url_after_the_permission_check(
    s3_storage, personas, api_client_for, settings
) -> None:
    settings.LIMS_DOWNLOADS = "redirect"
    data = b"signed bytes" * 500
    uid = _upload(api_client_for(personas.contributor), personas.dataset, data).json()["uid"]

    assert api_client_for(personas.outsider).get(f"/files/{uid}/download/").status_code == 404
    assert api_client_for(personas.outsider).get(f"/api/files/{uid}/download/").status_code == 404

    for url in (f"/files/{uid}/download/", f"/api/files/{uid}/download/"):
        response = api_client_for(personas.viewer).get(url)
        assert response.status_code == 302
        assert "no-store" in response["Cache-Control"]
        signed = response["Location"]
        parsed = urlparse(signed)
        assert f"{parsed.scheme}://{parsed.netloc}" == s3_storage.server.endpoint
        query = parse_qs(parsed.query)
        assert query["X-Amz-Expires"] == [str(settings.LIMS_SIGNED_URL_EXPIRE_S)]
        with urllib.request.urlopen(signed) as answer:  # the object store itself answers
            assert answer.read() == data
            disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=utf-8''Probe%20%C2%B5m" in disposition

    # Without the signature the object is not readable.
    plain = (
        f"{s3_storage.server.endpoint}/{s3_storage.bucket}/{urlparse(signed).path.split('/', 2)[2]}"
    )
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(plain)
    assert denied.value.code == 403


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_extracts_from_object_storage_and_stores_previews_there(
    s3_storage, worker_manager, personas, api_client_for, samples, settings
) -> None:
    worker_manager.stop_all()  # only a worker that reads the bucket may take the file
    worker = worker_manager.start(**s3_storage.env)
    try:
        data = (samples / "digitalmicrograph/2D/test-1.dm3").read_bytes()
        response = _upload(
            api_client_for(personas.contributor), personas.dataset, data, "test-1.dm3"
        )
        uid = response.json()["uid"]
        done = wait_for(
            lambda: InstrumentFile.objects.filter(uid=uid, status="done").first(),
            timeout=120,
            what="the worker to extract the file from the bucket",
        )
    finally:
        worker.stop()
    assert done.preview.name in s3_storage.keys("previews/")
    assert s3_storage.read(done.preview.name).startswith(b"\x89PNG")
    settings.LIMS_DOWNLOADS = "redirect"
    preview = api_client_for(personas.viewer).get(f"/files/{uid}/preview.png")
    assert preview.status_code == 302
    with urllib.request.urlopen(preview["Location"]) as answer:
        assert answer.headers["Content-Type"] == "image/png"
        assert answer.read() == s3_storage.read(done.preview.name)
