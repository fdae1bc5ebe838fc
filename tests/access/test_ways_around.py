"""The ways around the access rules that probing found stay closed: a contributor cannot make
data public (API, forms, services), and an upload cannot be finished by someone who lost the
right to contribute (demoted, removed, or out of the research group that gave the role)."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create, dataset_update
from lims.files.models import InstrumentFile
from lims.projects.services import project_update
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

UPLOADS = "/api/v1/uploads/"


def test_a_contributor_cannot_make_data_public_through_the_api(personas, api_client_for):
    instrument_file = done_file(personas.dataset, original_name="private.dm3")
    client = api_client_for(personas.contributor)
    created = client.post(
        "/api/v1/datasets/",
        {"project": "graphene", "title": "Made public", "visibility": "public"},
        format="json",
    )
    assert created.status_code == 403
    assert not Dataset.objects.filter(title="Made public").exists()
    url = f"/api/v1/datasets/{personas.dataset.uid}/"  # the contributor created this one
    assert client.patch(url, {"visibility": "public"}, format="json").status_code == 403
    assert client.put(url, {"title": "x", "visibility": "internal"}, format="json").status_code == (
        403
    )
    project = client.patch("/api/v1/projects/graphene/", {"visibility": "public"}, format="json")
    assert project.status_code == 403
    anonymous = api_client_for(None)
    assert anonymous.get(f"/api/v1/files/{instrument_file.uid}/download/").status_code == 404
    assert Client().get(f"/files/{instrument_file.uid}/download/").status_code == 404


def test_a_contributor_cannot_make_data_public_through_the_forms(personas):
    client = Client()
    client.force_login(personas.contributor)
    page = client.get(f"/datasets/{personas.dataset.uid}/edit/").content.decode()
    assert 'name="visibility"' in page and "disabled" in page.split('name="visibility"')[1][:200]
    client.post(
        f"/datasets/{personas.dataset.uid}/edit/", {"title": "Renamed", "visibility": "public"}
    )
    personas.dataset.refresh_from_db()
    assert (personas.dataset.title, personas.dataset.visibility) == ("Renamed", "")
    client.post("/datasets/new/in/graphene/", {"title": "New one", "visibility": "public"})
    assert Dataset.objects.get(title="New one").visibility == ""
    assert (
        client.post("/projects/graphene/edit/", {"name": "x", "visibility": "public"}).status_code
        == 403
    )
    personas.project.refresh_from_db()
    assert personas.project.visibility == "private"


def test_the_services_refuse_a_contributor_changing_access(personas):
    with pytest.raises(PermissionDenied):
        dataset_create(
            project=personas.project,
            title="t",
            created_by=personas.contributor,
            visibility="public",
        )
    with pytest.raises(PermissionDenied):
        dataset_update(dataset=personas.dataset, user=personas.contributor, visibility="public")
    with pytest.raises(PermissionDenied):
        project_update(project=personas.project, user=personas.group_member, visibility="public")


def test_leaving_the_group_that_gave_the_role_stops_an_upload(personas, api_client_for):
    client = api_client_for(personas.group_member)
    data = os.urandom(2048)
    started = client.post(
        UPLOADS,
        {"dataset": str(personas.dataset.uid), "filename": "g.dm4", "size": len(data)},
        format="json",
    )
    assert started.status_code == 201
    uid = started.json()["uid"]

    def put(start: int) -> int:
        return client.generic(
            "PUT",
            f"{UPLOADS}{uid}/",
            data[start : start + 1024],
            content_type="application/octet-stream",
            HTTP_CONTENT_RANGE=f"bytes {start}-{start + 1023}/{len(data)}",
        ).status_code

    assert put(0) == 200
    personas.group.members.remove(personas.group_member)
    assert put(1024) == 404  # the private project is no longer theirs to see
    assert client.post(f"{UPLOADS}{uid}/complete/").status_code == 404
    assert not InstrumentFile.objects.filter(original_name="g.dm4").exists()
