"""Descriptions for harvesters and exports name a dataset's project only to those who may see
the project: a public dataset of a private project, or one seen through a share link, does not
tell the project's name or slug (JSON-LD on the page and in the API, the RO-Crate export's
dataset.json, OAI-PMH sets and records)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from rest_framework.test import APIClient

from tests.access.world import SHARE_KEY, build_world
from tests.factories import DatasetFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

SECRET = "Private-project-name-7a1"


@pytest.fixture
def released(personas):
    """A public dataset inside the personas' private project."""
    build_world(personas)  # names the private project SECRET
    dataset = DatasetFactory(
        project=personas.project,
        title="Released data",
        visibility="public",
        created_by=personas.manager,
    )
    done_file(dataset, original_name="released.dm3")
    return dataset


def test_the_page_and_the_api_name_the_project_to_its_members_only(personas, released):
    anonymous = APIClient()
    page = anonymous.get(f"/datasets/{released.uid}/").content.decode()
    assert "Released data" in page and SECRET not in page and "graphene" not in page
    jsonld = anonymous.get(
        f"/api/v1/datasets/{released.uid}/", HTTP_ACCEPT="application/ld+json"
    ).json()
    assert jsonld["name"] == "Released data" and "isPartOf" not in jsonld
    member = APIClient()
    member.force_login(personas.viewer)
    assert SECRET in member.get(f"/datasets/{released.uid}/").content.decode()
    member.force_authenticate(personas.viewer)
    jsonld = member.get(
        f"/api/v1/datasets/{released.uid}/", HTTP_ACCEPT="application/ld+json"
    ).json()
    assert jsonld["isPartOf"]["name"] == SECRET


def test_a_share_link_does_not_name_the_project(personas, released):
    holder = APIClient()
    assert holder.get(f"/share/{SHARE_KEY}/").status_code == 302
    page = holder.get(f"/datasets/{personas.dataset.uid}/").content.decode()
    assert "Private-dataset-title-7a1" in page and SECRET not in page


def test_the_export_names_the_project_to_its_members_only(personas, released):
    def dataset_json(client) -> dict:
        response = client.get(f"/api/v1/datasets/{released.uid}/export/")
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        name = next(n for n in archive.namelist() if n.endswith("dataset.json"))
        return json.loads(archive.read(name))

    assert dataset_json(APIClient())["project"] is None
    member = APIClient()
    member.force_authenticate(personas.viewer)
    assert dataset_json(member)["project"] == {"slug": "graphene", "name": SECRET}


def test_oai_sets_and_records_leave_private_projects_out(personas, released):
    client = APIClient()
    sets = client.get("/api/v1/oai/", {"verb": "ListSets"}).content.decode()
    assert SECRET not in sets and "project:graphene" not in sets
    records = client.get(
        "/api/v1/oai/", {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    ).content.decode()
    assert "Released data" in records
    assert "project:graphene" not in records and "/projects/graphene/" not in records
    probe = client.get(
        "/api/v1/oai/",
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "project:graphene"},
    ).content.decode()
    assert "noRecordsMatch" in probe and "Released data" not in probe
