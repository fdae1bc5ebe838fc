"""Versioned paths, the legacy aliases, the schema and its documentation pages."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db


def test_v1_and_the_legacy_alias_answer_the_same(personas, api_client_for):
    instrument_file = done_file(personas.dataset, original_name="lattice.dm3")
    client = api_client_for(personas.viewer)
    new = client.get(f"/api/v1/files/{instrument_file.uid}/")
    old = client.get(f"/api/files/{instrument_file.uid}/")
    assert new.status_code == old.status_code == 200
    assert new.json() == old.json()
    assert "Deprecation" not in new
    assert old["Deprecation"] == "true"
    assert old["Link"] == f'</api/v1/files/{instrument_file.uid}/>; rel="successor-version"'
    # Links inside answers point at v1.
    uploads = client.get("/api/v1/").json()
    assert uploads["files"] == "http://testserver/api/v1/files/"


def test_format_query_parameter_is_content_negotiation(personas, api_client_for):
    """?format=json is DRF's renderer choice, not a filter (the file type is ?file_format=)."""
    instrument_file = done_file(personas.dataset, original_name="lattice.dm3")
    client = api_client_for(personas.viewer)
    listed = client.get("/api/v1/files/?format=json")
    assert listed.status_code == 200
    assert [f["uid"] for f in listed.json()["results"]] == [str(instrument_file.uid)]
    assert client.get(f"/api/v1/files/{instrument_file.uid}/?format=json").status_code == 200
    kind = instrument_file.format_label
    assert client.get(f"/api/v1/files/?file_format={kind}").json()["results"]
    assert not client.get("/api/v1/files/?file_format=nope").json()["results"]


def test_schema_describes_v1_only(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/files/{uid}/download/" in paths
    assert all(path.startswith("/api/v1/") for path in paths)
    assert client.get("/api/schema/?format=json").json()["paths"] == paths


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/", "/api/docs/"])
def test_documentation_pages_load_nothing_from_the_internet(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), html
    assert "fonts.googleapis" not in html
    assert '"validatorUrl": null' in html or url.endswith("redoc/")
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert assets, html
