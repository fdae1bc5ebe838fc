"""Permission-checked downloads of originals, companions and images."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile

from lims.files.ingest.register import companion_add
from tests.factories import InstrumentFileFactory, SignalPreviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(personas):
    instrument_file = InstrumentFileFactory(
        dataset=personas.dataset, original_name="series.emi", content=b"EMI" * 10
    )
    companion_add(parent=instrument_file, name="series_1.ser", content=ContentFile(b"SER" * 20))
    return instrument_file


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_members_download_originals_and_companions(personas, client, series):
    client.force_login(personas.viewer)
    response = client.get(f"/files/{series.uid}/download/")
    assert response.status_code == 200
    assert body(response) == b"EMI" * 10
    assert 'filename="series.emi"' in response["Content-Disposition"]
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    companion = series.companions.get()
    response = client.get(f"/files/{series.uid}/companions/{companion.pk}/download/")
    assert body(response) == b"SER" * 20
    archive = zipfile.ZipFile(io.BytesIO(body(client.get(f"/files/{series.uid}/download/?zip=1"))))
    assert archive.namelist() == ["series.emi", "series_1.ser"]
    assert archive.read("series_1.ser") == b"SER" * 20


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_others_get_not_found(personas, client, series, who):
    user = getattr(personas, who)
    if user.is_authenticated:
        client.force_login(user)
    companion = series.companions.get()
    for url in [
        f"/files/{series.uid}/download/",
        f"/files/{series.uid}/download/?zip=1",
        f"/files/{series.uid}/companions/{companion.pk}/download/",
        f"/files/{series.uid}/thumbnail.png",
    ]:
        assert client.get(url).status_code == 404, url


def test_images_are_served_privately(personas, client, series):
    png = b"\x89PNG\r\n\x1a\nfake"
    series.thumbnail.save("t.png", ContentFile(png))
    SignalPreviewFactory(file=series, signal_index=0, image=ContentFile(png, name="p.png"))
    client.force_login(personas.viewer)
    response = client.get(f"/files/{series.uid}/thumbnail.png")
    assert response.status_code == 200 and body(response) == png
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    assert body(client.get(f"/files/{series.uid}/signals/0/preview.png")) == png
    assert client.get(f"/files/{series.uid}/signals/0/thumbnail.png").status_code == 404
    assert client.get(f"/files/{series.uid}/signals/0/other.png").status_code == 404
    assert client.get(f"/files/{series.uid}/preview.png").status_code == 404


def test_api_token_downloads(personas, api_client_for, series):
    client = api_client_for(personas.viewer)
    assert body(client.get(f"/files/{series.uid}/download/")) == b"EMI" * 10
    assert body(client.get(f"/api/files/{series.uid}/download/")) == b"EMI" * 10
    detail = client.get(f"/api/files/{series.uid}/").json()
    assert detail["companions"][0]["download_url"].endswith(
        f"/files/{series.uid}/companions/{series.companions.get().pk}/download/"
    )
    assert api_client_for(personas.outsider).get(f"/api/files/{series.uid}/").status_code == 404


def test_download_urls_authenticate_like_the_api(personas, api_client_for, series, client):
    """The page URLs that API answers hand out take tokens through DRF's own classes: a wrong
    token is refused (401), not quietly treated as an anonymous visitor."""
    bad = client.get(f"/files/{series.uid}/download/", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 401 and bad["WWW-Authenticate"] == "Token"
    viewer = api_client_for(personas.viewer)
    assert viewer.get(f"/files/{series.uid}/thumbnail.png").status_code == 404  # none yet
    assert body(viewer.get(f"/files/{series.uid}/download/?zip=1"))[:2] == b"PK"


@pytest.mark.parametrize("prefix", ["/files", "/api/v1/files"])
def test_downloads_resume_with_ranges_and_revalidate_with_etags(
    personas, api_client_for, series, prefix
):
    from lims.audit.models import AuditEvent

    client = api_client_for(personas.viewer)
    url = f"{prefix}/{series.uid}/download/"
    whole = client.get(url)
    assert whole.status_code == 200
    etag = f'"{series.sha256}"'
    assert whole["ETag"] == etag
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == "30"
    assert body(whole) == b"EMI" * 10

    part = client.get(url, HTTP_RANGE="bytes=3-8")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 3-8/30"
    assert part["Content-Length"] == "6"
    assert body(part) == b"EMIEMI"
    assert body(client.get(url, HTTP_RANGE="bytes=27-")) == b"EMI"
    assert body(client.get(url, HTTP_RANGE="bytes=-4")) == b"IEMI"
    assert body(client.get(url, HTTP_RANGE="bytes=25-999")) == b"MIEMI"
    # Resuming only while the file is the same one: a stale If-Range gets the whole file.
    assert client.get(url, HTTP_RANGE="bytes=3-8", HTTP_IF_RANGE=etag).status_code == 206
    stale = client.get(url, HTTP_RANGE="bytes=3-8", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200 and body(stale) == b"EMI" * 10
    # Several ranges or a malformed header: the whole file.
    assert client.get(url, HTTP_RANGE="bytes=0-1,4-5").status_code == 200
    assert client.get(url, HTTP_RANGE="lines=1-2").status_code == 200
    beyond = client.get(url, HTTP_RANGE="bytes=30-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == "bytes */30"

    cached = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH=f'W/{etag}, "x"').status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"x"').status_code == 200
    # Bytes sent are recorded (200 and 206), a 304 or a 416 is not.
    recorded = AuditEvent.objects.filter(action="download", target_id=str(series.uid))
    assert recorded.count() == 10


def test_companion_downloads_carry_their_own_etag(personas, api_client_for, series):
    companion = series.companions.get()
    client = api_client_for(personas.viewer)
    url = f"/files/{series.uid}/companions/{companion.pk}/download/"
    response = client.get(url, HTTP_RANGE="bytes=0-2")
    assert response.status_code == 206 and body(response) == b"SER"
    assert response["ETag"] == f'"{companion.sha256}"'
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"{companion.sha256}"').status_code == 304


def test_in_place_files_resume_too(personas, api_client_for, tmp_path):
    source = tmp_path / "share" / "scan.tif"
    source.parent.mkdir()
    source.write_bytes(b"0123456789")
    instrument_file = InstrumentFileFactory(
        dataset=personas.dataset, original_name="scan.tif", content=b"0123456789"
    )
    type(instrument_file).objects.filter(pk=instrument_file.pk).update(
        external_path=str(source), stored_file=""
    )
    client = api_client_for(personas.viewer)
    response = client.get(f"/api/v1/files/{instrument_file.uid}/download/", HTTP_RANGE="bytes=4-")
    assert response.status_code == 206
    assert body(response) == b"456789"
    assert response["Content-Range"] == "bytes 4-9/10"


def test_through_nginx_the_etag_and_304_still_hold(personas, api_client_for, series, settings):
    settings.LIMS_DOWNLOADS = "accel"
    client = api_client_for(personas.viewer)
    url = f"/api/v1/files/{series.uid}/download/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith("/protected/")
    assert response["ETag"] == f'"{series.sha256}"'
    assert 'filename="series.emi"' in response["Content-Disposition"]
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"{series.sha256}"').status_code == 304
