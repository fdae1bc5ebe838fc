"""How downloads leave the server: streamed, or handed to nginx with X-Accel-Redirect."""

from __future__ import annotations

import pytest

from tests.factories import CompanionFileFactory, InstrumentFileFactory

pytestmark = pytest.mark.django_db

NAME = "Probe µm \u2013 日本 (2).dm3"  # an en dash: not even Latin-1


@pytest.fixture
def accel(settings):
    settings.LIMS_DOWNLOADS = "accel"
    settings.LIMS_ACCEL_REDIRECT_PREFIX = "/protected/"


def test_accel_redirect_names_the_stored_file_and_the_original_name(
    accel, client, personas
) -> None:
    stored = InstrumentFileFactory(dataset=personas.dataset, original_name=NAME)
    client.force_login(personas.viewer)
    response = client.get(f"/files/{stored.uid}/download/")
    assert response.status_code == 200
    assert response.content == b""  # nginx sends the bytes
    name = stored.stored_file.name
    assert " " in name and "µ" in name  # stored under the name the instrument wrote
    assert response["X-Accel-Redirect"] == (
        f"/protected/files/{personas.dataset.uid}/{stored.uid}/"
        "Probe%20%C2%B5m%20_%20%E6%97%A5%E6%9C%AC%20%282%29.dm3"
    )
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        "Probe%20%C2%B5m%20%E2%80%93%20%E6%97%A5%E6%9C%AC%20%282%29.dm3"
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert "no-store" in response["Cache-Control"]


def test_accel_redirect_only_after_the_permission_check(accel, client, personas) -> None:
    stored = InstrumentFileFactory(dataset=personas.dataset)
    client.force_login(personas.outsider)
    response = client.get(f"/files/{stored.uid}/download/")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_accel_redirect_for_companions_previews_and_the_api(
    accel, client, personas, api_client_for
) -> None:
    companion = CompanionFileFactory(parent__dataset=personas.dataset, original_name="a_1.ser")
    parent = companion.parent
    client.force_login(personas.viewer)
    response = client.get(f"/files/{parent.uid}/companions/{companion.pk}/download/")
    assert response["X-Accel-Redirect"] == f"/protected/{companion.stored_file.name}"
    assert response["Content-Disposition"] == 'attachment; filename="a_1.ser"'
    api = api_client_for(personas.viewer).get(f"/api/files/{parent.uid}/download/")
    assert api["X-Accel-Redirect"] == f"/protected/{parent.stored_file.name}"


def test_missing_stored_bytes_are_a_404_not_an_empty_download(accel, client, personas) -> None:
    stored = InstrumentFileFactory(dataset=personas.dataset)
    stored.stored_file.storage.delete(stored.stored_file.name)
    client.force_login(personas.viewer)
    assert client.get(f"/files/{stored.uid}/download/").status_code == 404


def test_files_registered_in_place_are_streamed(accel, client, personas, tmp_path) -> None:
    share = tmp_path / "share" / "on the share.dm3"
    share.parent.mkdir()
    share.write_bytes(b"in place")
    stored = InstrumentFileFactory(
        dataset=personas.dataset, stored_file="", external_path=str(share), original_name=NAME
    )
    client.force_login(personas.viewer)
    response = client.get(f"/files/{stored.uid}/download/")
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == b"in place"
    assert "filename*=utf-8''Probe%20%C2%B5m" in response["Content-Disposition"]


def test_zip_names_with_non_latin1_characters_survive(client, personas) -> None:
    stored = InstrumentFileFactory(dataset=personas.dataset, original_name=NAME)
    client.force_login(personas.viewer)
    response = client.get(f"/files/{stored.uid}/download/?zip=1")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        "Probe%20%C2%B5m%20%E2%80%93%20%E6%97%A5%E6%9C%AC%20%282%29.zip"
    )
