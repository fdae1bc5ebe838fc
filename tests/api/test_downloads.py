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
