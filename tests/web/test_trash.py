"""Deleting moves to the trash: gone from every page, list, count, search, download and API
answer at once, for everyone; restorable by the project's managers; purged with its bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lims.audit.models import AuditAction, AuditEvent
from lims.datasets.models import Dataset
from lims.files.models import CompanionFile, InstrumentFile
from lims.files.trash.services import trash_purge
from lims.projects.models import Project
from tests.factories import CompanionFileFactory, DatasetFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

SEEING = ["viewer", "contributor", "manager", "facility_manager", "group_member"]


@pytest.fixture
def lattice(personas):
    return done_file(personas.dataset, original_name="lattice.dm3")


def _pages(personas, instrument_file) -> dict[str, str]:
    uid = instrument_file.uid
    return {
        "dataset": personas.dataset.get_absolute_url(),
        "file": f"/files/{uid}/",
        "download": f"/files/{uid}/download/",
        "preview": f"/files/{uid}/preview.png",
        "thumbnail": f"/files/{uid}/thumbnail.png",
        "api-file": f"/api/files/{uid}/",
        "api-download": f"/api/files/{uid}/download/",
        "api-dataset": f"/api/datasets/{personas.dataset.uid}/",
    }


def _delete(client, personas, what: str, instrument_file) -> None:
    client.force_login(personas.manager)
    url = {
        "file": reverse("files:delete", args=[instrument_file.uid]),
        "dataset": reverse("datasets:delete", args=[personas.dataset.uid]),
        "project": reverse("projects:delete", args=["graphene"]),
    }[what]
    assert client.post(url).status_code == 302


@pytest.mark.parametrize("what", ["file", "dataset", "project"])
@pytest.mark.parametrize("persona", SEEING)
def test_deleted_things_are_gone_for_everyone(client, personas, lattice, what, persona):
    _delete(client, personas, what, lattice)
    client.force_login(getattr(personas, persona))
    pages = _pages(personas, lattice)
    for name in ["file", "download", "preview", "thumbnail", "api-file", "api-download"]:
        assert client.get(pages[name]).status_code == 404, name
    dataset_gone = what != "file"
    expected = 404 if dataset_gone else 200
    assert client.get(pages["dataset"]).status_code == expected
    assert client.get(pages["api-dataset"]).status_code == expected
    assert client.get("/api/files/").json()["results"] == []
    assert client.get("/api/datasets/").json()["count"] == (0 if dataset_gone else 1)
    search = client.get(reverse("search"), {"q": "lattice"}).content.decode()
    assert "lattice.dm3" not in search
    home = client.get(reverse("home")).content.decode()
    assert "lattice.dm3" not in home
    projects = client.get(reverse("projects:list"))
    listed = {p.slug: p for p in projects.context["page_obj"]}
    if what == "project":
        assert "graphene" not in listed
        assert client.get(reverse("projects:detail", args=["graphene"])).status_code == 404
    else:
        assert listed["graphene"].n_datasets == (0 if dataset_gone else 1)
        page = client.get(reverse("projects:detail", args=["graphene"]))
        counted = {d.pk: d.n_files for d in page.context["page_obj"]}
        assert counted == ({} if dataset_gone else {personas.dataset.pk: 0})


def test_facility_pages_count_nothing_in_the_trash(client, personas, lattice):
    _delete(client, personas, "dataset", lattice)
    client.force_login(personas.facility_manager)
    dashboard = client.get(reverse("manage:dashboard")).context
    assert dashboard["n_datasets"] == 0 and dashboard["files"]["total"] == 0
    row = client.get(reverse("manage:projects")).context["page_obj"][0]
    assert (row.n_datasets, row.n_files) == (0, 0)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("viewer", 403), ("contributor", 403), ("group_member", 403), ("outsider", 404)],
)
def test_only_managers_delete(client, personas, lattice, persona, status):
    client.force_login(getattr(personas, persona))
    assert client.post(reverse("files:delete", args=[lattice.uid])).status_code == status
    assert client.post(reverse("datasets:delete", args=[personas.dataset.uid])).status_code == (
        status
    )
    assert client.post(reverse("projects:delete", args=["graphene"])).status_code == status
    assert InstrumentFile.objects.live().count() == 1 and Project.objects.live().count() == 1


def test_managers_restore_from_the_trash(client, personas, lattice):
    _delete(client, personas, "file", lattice)
    _delete(client, personas, "dataset", lattice)
    trash = client.get(reverse("trash:list"))
    assert [d.pk for d in trash.context["datasets"]] == [personas.dataset.pk]
    assert list(trash.context["files"]) == []  # it comes back with its dataset
    response = client.post(reverse("trash:restore-dataset", args=[personas.dataset.uid]))
    assert response.url == personas.dataset.get_absolute_url()
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    trash = client.get(reverse("trash:list"))
    assert [f.pk for f in trash.context["files"]] == [lattice.pk]  # deleted on its own before
    client.post(reverse("trash:restore-file", args=[lattice.uid]))
    assert client.get(f"/files/{lattice.uid}/download/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(project_id=personas.project.pk)
        .order_by("id")
        .values_list("action", "target_type")
    )
    assert actions == [
        ("trashed", "instrumentfile"),
        ("trashed", "dataset"),
        ("restored", "dataset"),
        ("restored", "instrumentfile"),
        ("download", "instrumentfile"),
    ]


def test_a_project_manager_restores_their_deleted_project(client, personas, lattice):
    _delete(client, personas, "project", lattice)
    trash = client.get(reverse("trash:list")).context
    assert [p.slug for p in trash["projects"]] == ["graphene"]
    client.post(reverse("trash:restore-project", args=["graphene"]))
    assert client.get(reverse("projects:detail", args=["graphene"])).status_code == 200


@pytest.mark.parametrize("persona", ["viewer", "contributor", "group_member", "outsider"])
def test_others_see_an_empty_trash_and_cannot_restore(client, personas, lattice, persona):
    _delete(client, personas, "dataset", lattice)
    client.force_login(getattr(personas, persona))
    trash = client.get(reverse("trash:list")).context
    assert not trash["projects"] and not trash["datasets"] and not trash["files"]
    url = reverse("trash:restore-dataset", args=[personas.dataset.uid])
    assert client.post(url).status_code == 404
    assert Dataset.objects.live().count() == 0


def test_a_title_taken_meanwhile_blocks_the_restore(client, personas, lattice):
    _delete(client, personas, "dataset", lattice)
    DatasetFactory(project=personas.project, title=personas.dataset.title)
    response = client.post(
        reverse("trash:restore-dataset", args=[personas.dataset.uid]), follow=True
    )
    assert "rename it first" in response.content.decode()
    assert Dataset.objects.get(pk=personas.dataset.pk).deleted_at is not None


def test_bytes_sent_again_after_a_deletion_make_a_new_file(personas, api_client_for, lattice):
    lattice.deleted_at = timezone.now()
    lattice.save()
    content = lattice.stored_file.open("rb").read()
    client = api_client_for(personas.contributor)
    response = client.post(
        "/api/files/",
        {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("again.dm3", content)},
    )
    assert response.status_code in {201, 202}
    assert response.json()["uid"] != str(lattice.uid)


def _stored(instrument_file) -> list[Path]:
    fields = [instrument_file.stored_file, instrument_file.preview, instrument_file.thumbnail]
    fields += [c.stored_file for c in instrument_file.companions.all()]
    return [Path(f.path) for f in fields if f]


def test_the_purge_deletes_old_trash_with_its_bytes_and_keeps_the_rest(
    personas, lattice, django_capture_on_commit_callbacks
):
    CompanionFileFactory(parent=lattice)
    young = done_file(personas.dataset, original_name="young.dm3")
    live = done_file(personas.dataset, original_name="live.dm3")
    old_paths, young_paths = _stored(lattice), _stored(young)
    assert len(old_paths) == 4 and all(p.exists() for p in old_paths)
    now = timezone.now()
    InstrumentFile.objects.filter(pk=lattice.pk).update(deleted_at=now - dt.timedelta(days=31))
    InstrumentFile.objects.filter(pk=young.pk).update(deleted_at=now - dt.timedelta(days=29))

    with django_capture_on_commit_callbacks(execute=True):
        purged = trash_purge()
    assert (purged.projects, purged.datasets, purged.files) == (0, 0, 1)
    assert not InstrumentFile.objects.filter(pk=lattice.pk).exists()
    assert not CompanionFile.objects.filter(parent_id=lattice.pk).exists()
    assert not any(p.exists() for p in old_paths)
    assert all(p.exists() for p in young_paths)
    assert InstrumentFile.objects.filter(pk__in=[young.pk, live.pk]).count() == 2
    event = AuditEvent.objects.get(action=AuditAction.PURGED)
    assert event.actor_name == "system" and event.target_id == str(lattice.uid)


def test_purging_a_project_takes_everything_in_it(
    personas, lattice, django_capture_on_commit_callbacks
):
    paths = _stored(lattice)
    Project.objects.filter(pk=personas.project.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=40)
    )
    with django_capture_on_commit_callbacks(execute=True):
        purged = trash_purge()
    assert purged.projects == 1
    assert not Project.objects.filter(pk=personas.project.pk).exists()
    assert not Dataset.objects.filter(pk=personas.dataset.pk).exists()
    assert not InstrumentFile.objects.filter(pk=lattice.pk).exists()
    assert not any(p.exists() for p in paths)


def test_purge_trash_command(personas, lattice, capsys):
    InstrumentFile.objects.filter(pk=lattice.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=2)
    )
    call_command("purge_trash")
    assert InstrumentFile.objects.filter(pk=lattice.pk).exists()
    call_command("purge_trash", "--days", "1")
    assert "Purged 0 project(s), 0 dataset(s) and 1 file(s)." in capsys.readouterr().out
    assert not InstrumentFile.objects.filter(pk=lattice.pk).exists()
