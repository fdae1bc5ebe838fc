"""The API for every persona, the new ones included: members through a research group act
with the group's role, deactivated users' tokens are refused, share links do not reach the
API, and nothing in the trash is listed, counted or served."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lims.audit.models import AuditEvent
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

# persona: (dataset detail, file list count, download, upload) on the private project
EXPECTED = {
    "anonymous": (404, 0, 404, 401),
    "outsider": (404, 0, 404, 404),
    "viewer": (200, 1, 200, 403),
    "contributor": (200, 1, 200, 201),
    "manager": (200, 1, 200, 201),
    "facility_manager": (200, 1, 200, 201),
    "group_member": (200, 1, 200, 201),
    "deactivated": (401, None, 401, 401),
    "share_holder": (404, 0, 404, 401),
}


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_persona_through_the_api(personas, api_client_for, persona):
    instrument_file = done_file(personas.dataset, original_name="lattice.dm3")
    client = api_client_for(getattr(personas, persona))
    detail, count, download, upload = EXPECTED[persona]
    assert client.get(f"/api/datasets/{personas.dataset.uid}/").status_code == detail
    files = client.get("/api/files/")
    if count is None:
        assert files.status_code == 401
    else:
        assert len(files.json()["results"]) == count
    assert client.get(f"/api/files/{instrument_file.uid}/download/").status_code == download
    assert client.get(f"/files/{instrument_file.uid}/download/").status_code == download
    response = client.post(
        "/api/files/",
        {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("new.dm3", b"n" * 99)},
        format="multipart",
    )
    assert response.status_code == upload
    downloads = AuditEvent.objects.filter(action="download", target_id=str(instrument_file.uid))
    assert downloads.count() == (2 if download == 200 else 0)


@pytest.mark.parametrize("what", ["file", "dataset", "project"])
def test_the_trash_is_outside_every_api_answer(personas, api_client_for, what):
    instrument_file = done_file(personas.dataset, original_name="lattice.dm3")
    target = {
        "file": instrument_file,
        "dataset": personas.dataset,
        "project": personas.project,
    }[what]
    type(target).objects.filter(pk=target.pk).update(deleted_at=timezone.now())
    client = api_client_for(personas.facility_manager)
    assert client.get("/api/files/").json()["results"] == []
    assert client.get(f"/api/files/{instrument_file.uid}/").status_code == 404
    assert client.get(f"/api/files/{instrument_file.uid}/download/").status_code == 404
    assert client.get(f"/api/files/{instrument_file.uid}/original-metadata/").status_code == 404
    datasets = client.get("/api/datasets/").json()["count"]
    assert datasets == (1 if what == "file" else 0)
    projects = client.get("/api/projects/").json()["count"]
    assert projects == (0 if what == "project" else 1)
    response = client.post(
        "/api/files/",
        {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("n.dm3", b"n" * 9)},
        format="multipart",
    )
    assert response.status_code == (404 if what != "file" else 201)
