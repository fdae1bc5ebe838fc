"""The RO-Crate export of a dataset and of a search result."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile

from lims.audit.models import AuditEvent
from lims.files.ingest.register import companion_add
from lims.notes.models import Note
from tests.factories import CommentFactory, InstrumentFactory, InstrumentFileFactory
from tests.fair.rocrate_rules import check_ro_crate
from tests.web.conftest import done_file, summary

pytestmark = pytest.mark.django_db


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def dataset(personas):
    dataset = personas.dataset
    dataset.description = "Graphene lattice, tilt series."
    dataset.license = "CC-BY-4.0"
    dataset.save()
    titan = InstrumentFactory(name="Titan", vendor="Thermo Fisher", serial_number="3617")
    lattice = done_file(
        dataset,
        original_name="lattice.dm3",
        metadata=summary(technique="STEM", beam_energy=300000.0),
        instrument=titan,
    )
    series = InstrumentFileFactory(
        dataset=dataset, original_name="series.emi", content=b"EMI" * 10, folder="tilt/0"
    )
    companion_add(parent=series, name="series_1.ser", content=ContentFile(b"SER" * 20))
    # Same name, same folder: kept apart in the archive.
    InstrumentFileFactory(dataset=dataset, original_name="lattice.dm3", content=b"other")
    CommentFactory(dataset=dataset, author=personas.viewer, body="Nice series.")
    Note.objects.create(
        dataset=dataset, key="sample ID", value="GR-17", created_by=personas.manager
    )
    Note.objects.create(file=lattice, key="anneal", value="450", number=450, unit="degC")
    CommentFactory(file=lattice, dataset=None, author=personas.manager, body="Drift corrected.")
    return dataset


def test_a_dataset_exports_as_a_valid_ro_crate(personas, api_client_for, dataset):
    client = api_client_for(personas.viewer)
    detail = client.get(f"/api/v1/datasets/{dataset.uid}/").json()
    files = list(dataset.files.all())
    assert detail["export"]["files"] == 3
    assert detail["export"]["bytes"] == sum(f.size for f in files)
    response = client.get(detail["export"]["url"])
    assert 'filename="' in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]
    archive = _zip(response)
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {
        "data/lattice.dm3",
        "data/tilt/0/series.emi",
        "data/tilt/0/series_1.ser",
        "metadata/files.csv",
        "dataset.json",
        "comments.json",
        "ro-crate-metadata.json",
    } <= names
    assert len([n for n in names if n.startswith("data/lattice")]) == 2
    # Every original is there, byte for byte.
    crate = json.loads(archive.read("ro-crate-metadata.json"))
    assert check_ro_crate(archive, crate) == []
    entities = {e["@id"]: e for e in crate["@graph"]}
    for entity in entities.values():
        if entity.get("sha256"):
            assert hashlib.sha256(archive.read(entity["@id"])).hexdigest() == entity["sha256"]
    for instrument_file in files:
        assert str(instrument_file.uid) in {e.get("identifier") for e in entities.values()}
        per_file = json.loads(archive.read(f"metadata/{instrument_file.uid}.json"))
        assert per_file["sha256"] == instrument_file.sha256
    root = entities["./"]
    assert root["name"] == dataset.title and root["description"] == dataset.description
    assert root["license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/"}
    assert entities["https://creativecommons.org/licenses/by/4.0/"]["identifier"] == "CC-BY-4.0"
    lattice = entities["data/lattice.dm3"]
    assert lattice["measurementTechnique"] == "STEM"
    assert entities[lattice["instrument"]["@id"]]["serialNumber"] == "3617"
    assert entities["data/tilt/0/series_1.ser"]["isPartOf"] == {"@id": "data/tilt/0/series.emi"}

    table = list(csv.DictReader(io.StringIO(archive.read("metadata/files.csv").decode())))
    assert len(table) == 3
    row = next(r for r in table if r["path"] == "data/lattice.dm3")
    assert row["technique"] == "STEM" and row["beam_energy [eV]"] == "300000.0"
    own = json.loads(archive.read("dataset.json"))
    assert [(n["key"], n["value"], n["by"]) for n in own["notes"]] == [
        ("sample ID", "GR-17", "margaret")
    ]
    lattice_file = Note.objects.get(key="anneal").file
    per_file = json.loads(archive.read(f"metadata/{lattice_file.uid}.json"))
    assert [(n["key"], n["number"], n["unit"]) for n in per_file["notes"]] == [
        ("anneal", 450.0, "degC")
    ]
    assert own["license"] == "CC-BY-4.0" and own["citation"].endswith(f"/datasets/{dataset.uid}/")
    comments = json.loads(archive.read("comments.json"))
    assert sorted(c["body"] for c in comments) == ["Drift corrected.", "Nice series."]
    event = AuditEvent.objects.get(action="download", target_id=str(dataset.uid))
    assert event.detail == {"what": "ro-crate export"}


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_others_cannot_export(personas, api_client_for, dataset, who):
    client = api_client_for(getattr(personas, who))
    assert client.get(f"/api/v1/datasets/{dataset.uid}/export/").status_code == 404


def test_trashed_files_stay_out_of_the_export(personas, api_client_for, dataset):
    from django.utils import timezone

    dataset.files.filter(original_name="series.emi").update(deleted_at=timezone.now())
    archive = _zip(api_client_for(personas.viewer).get(f"/api/v1/datasets/{dataset.uid}/export/"))
    assert not [n for n in archive.namelist() if "series" in n]
    assert check_ro_crate(archive, json.loads(archive.read("ro-crate-metadata.json"))) == []


def test_a_search_result_exports_too(personas, api_client_for, dataset):
    client = api_client_for(personas.viewer)
    archive = _zip(client.get("/api/v1/files/export/?kind=image&q=lattice"))
    crate = json.loads(archive.read("ro-crate-metadata.json"))
    assert check_ro_crate(archive, crate) == []
    data = sorted(n for n in archive.namelist() if n.startswith("data/"))
    assert data == ["data/lattice.dm3"]
    root = next(e for e in crate["@graph"] if e["@id"] == "./")
    assert "kind=image" in root["url"] and "dataset.json" not in archive.namelist()
    outsider = api_client_for(personas.outsider)
    nothing = _zip(outsider.get("/api/v1/files/export/"))
    assert not [n for n in nothing.namelist() if n.startswith("data/")]


def test_what_a_search_finds_exports_too(personas, api_client_for, dataset):
    from lims.search.indexing import search_index_files

    search_index_files(file_ids=list(dataset.files.values_list("id", flat=True)))
    client = api_client_for(personas.viewer)
    archive = _zip(client.get("/api/v1/search/export/?q=lattice"))
    assert check_ro_crate(archive, json.loads(archive.read("ro-crate-metadata.json"))) == []
    found = client.get("/api/v1/search/?q=lattice&page_size=100").json()["results"]
    crate = json.loads(archive.read("ro-crate-metadata.json"))
    exported = {
        e["identifier"] for e in crate["@graph"] if e.get("@type") == "File" and "identifier" in e
    }
    assert exported == {hit["uid"] for hit in found} and len(exported) >= 2
    nothing = _zip(api_client_for(personas.outsider).get("/api/v1/search/export/?q=lattice"))
    assert not [n for n in nothing.namelist() if n.startswith("data/")]


def test_the_search_page_offers_the_export(client, personas, dataset):
    client.force_login(personas.viewer)
    html = client.get("/search/", {"q": "lattice"}).content.decode()
    assert 'href="/api/v1/search/export/?q=lattice' in html
