"""schema.org JSON-LD on the dataset page and in the API, licenses and citations."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import InstrumentFactory
from tests.web.conftest import done_file, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def described(personas):
    dataset = personas.dataset
    dataset.title = "Graphene </script> lattice"
    dataset.description = "Tilt series."
    dataset.license = "cc-by-4.0"
    dataset.doi = "10.5281/zenodo.1234"
    dataset.save()
    person = personas.contributor
    person.first_name, person.last_name, person.orcid = "Carla", "Rossi", "0000-0002-1825-0097"
    person.save()
    done_file(
        dataset,
        metadata=summary(technique="STEM"),
        instrument=InstrumentFactory(name="Titan"),
    )
    return dataset


def test_the_dataset_page_carries_schema_org_json_ld(client, personas, described):
    client.force_login(personas.viewer)
    html = client.get(described.get_absolute_url()).content.decode()
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    node = json.loads(scripts[0])
    assert node["@context"] == "https://schema.org/" and node["@type"] == "Dataset"
    assert node["name"] == "Graphene </script> lattice"
    assert node["identifier"] == "https://doi.org/10.5281/zenodo.1234"
    assert node["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert node["creator"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert node["measurementTechnique"] == ["STEM"]
    assert node["instrument"] == [{"@type": "Thing", "name": "Titan"}]
    assert node["distribution"][0]["contentUrl"].endswith(
        f"/api/v1/datasets/{described.uid}/export/"
    )
    assert "Rossi, Carla (" in html and "Export as RO-Crate" in html
    assert "https://doi.org/10.5281/zenodo.1234" in html


def test_the_api_answers_json_ld_when_asked(personas, api_client_for, described):
    client = api_client_for(personas.viewer)
    node = client.get(f"/api/v1/datasets/{described.uid}/?format=jsonld")
    assert node["Content-Type"].startswith("application/ld+json")
    assert node.json()["@type"] == "Dataset"
    by_header = client.get(f"/api/v1/datasets/{described.uid}/", HTTP_ACCEPT="application/ld+json")
    assert by_header.json()["@id"] == "https://doi.org/10.5281/zenodo.1234"
    plain = client.get(f"/api/v1/datasets/{described.uid}/").json()
    assert plain["citation"] == (
        f"Rossi, Carla ({described.created_at.year}). Graphene </script> lattice [Data set]. "
        "Microscopy LIMS. https://doi.org/10.5281/zenodo.1234"
    )
    uid = described.files.get().uid
    media = client.get(f"/api/v1/files/{uid}/?format=jsonld").json()
    assert media["@type"] == "MediaObject" and media["measurementTechnique"] == "STEM"
    assert media["isPartOf"]["@id"] == "https://doi.org/10.5281/zenodo.1234"


def test_bad_dois_are_refused(personas, api_client_for):
    client = api_client_for(personas.manager)
    url = f"/api/v1/datasets/{personas.dataset.uid}/"
    assert client.patch(url, {"doi": "not a doi"}).status_code == 400
    saved = client.patch(url, {"doi": "https://doi.org/10.1234/abc"})
    assert saved.status_code == 200 and saved.json()["doi"] == "10.1234/abc"
