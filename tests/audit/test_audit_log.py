"""The audit log: append-only in the database itself, and the events the LIMS records."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from lims.accounts.models import ApiToken
from lims.audit.models import AppendOnly, AuditAction, AuditEvent
from lims.audit.services import audit_record
from lims.datasets.services import dataset_update
from lims.projects.services import membership_remove, membership_set, project_update
from tests.conftest import REPO_ROOT
from tests.factories import PASSWORD, InstrumentFileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_change_or_delete_an_event(personas):
    event = audit_record(action=AuditAction.SIGN_IN, actor=personas.viewer)
    for statement in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(actor_name="nobody"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_name == "victor"


@pytest.mark.slow
def test_the_embedded_sqlite_database_refuses_too(tmp_path):
    """The default setup (no DATABASE_URL): migrate a fresh SQLite file, then try."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["LIMS_DATA_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    database = sqlite3.connect(tmp_path / "lims.sqlite3")
    database.execute(
        "INSERT INTO audit_auditevent (at, action, actor_name, target_type, target_id, "
        "target_label, detail) VALUES ('2026-01-01', 'sign_in', 'x', '', '', '', '{}')"
    )
    database.commit()
    for statement in (
        "UPDATE audit_auditevent SET actor_name = 'y'",
        "DELETE FROM audit_auditevent",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            database.execute(statement)
    assert database.execute("SELECT actor_name FROM audit_auditevent").fetchall() == [("x",)]


def test_sign_ins_and_failed_sign_ins_are_recorded(client, personas):
    client.post(reverse("login"), {"username": "victor", "password": "wrong"})
    client.post(reverse("login"), {"username": "victor", "password": PASSWORD})
    client.logout()
    client.post(reverse("login"), {"username": "dora", "password": PASSWORD})  # deactivated
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.actor_name) for e in events] == [
        ("sign_in_failed", "anonymous"),
        ("sign_in", "victor"),
        ("sign_in_failed", "anonymous"),
    ]
    assert events[0].detail == {"username": "victor"} and events[2].detail == {"username": "dora"}
    assert events[0].ip_address == "127.0.0.1"
    assert events[1].detail == {"backend": "ModelBackend"}


def test_membership_and_visibility_changes_are_recorded(personas):
    nadia = UserFactory(username="nadia")
    membership_set(project=personas.project, member=nadia, role="viewer", user=personas.manager)
    membership_set(project=personas.project, member=nadia, role="viewer", user=personas.manager)
    membership_set(project=personas.project, member=nadia, role="manager", user=personas.manager)
    membership_remove(project=personas.project, member=nadia, user=personas.manager)
    project_update(project=personas.project, user=personas.manager, visibility="internal")
    dataset_update(dataset=personas.dataset, user=personas.manager, visibility="public")
    events = AuditEvent.objects.filter(project_id=personas.project.pk).order_by("id")
    assert [(e.action, e.detail) for e in events] == [
        ("membership_set", {"member": "nadia", "role": "viewer", "was": None}),
        ("membership_set", {"member": "nadia", "role": "manager", "was": "viewer"}),
        ("membership_removed", {"member": "nadia", "was": "manager"}),
        ("visibility_changed", {"from": "private", "to": "internal"}),
        ("visibility_changed", {"from": "", "to": "public"}),
    ]
    assert {e.actor_name for e in events} == {"margaret"}


def test_tokens_and_reextractions_are_recorded(client, personas):
    instrument_file = InstrumentFileFactory(dataset=personas.dataset)
    client.force_login(personas.manager)
    client.post(reverse("account"), {"name": "Titan PC"})
    token = ApiToken.objects.get(user=personas.manager, name="Titan PC")
    client.post(reverse("account"), {"revoke": token.pk})
    client.post(reverse("files:reextract", args=[instrument_file.uid]))
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_name"))
    assert actions == [
        ("sign_in", "margaret"),  # force_login signs in as a person does
        ("token_created", "margaret"),
        ("token_revoked", "margaret"),
        ("reextract", "margaret"),
    ]


@pytest.fixture
def events(personas):
    other = UserFactory(username="olga")
    audit_record(action=AuditAction.SIGN_IN, actor=other)
    audit_record(action=AuditAction.TRASHED, actor=personas.manager, target=personas.dataset)
    audit_record(action=AuditAction.DOWNLOAD, actor=personas.viewer, target=personas.dataset)
    return other


def test_facility_managers_browse_and_filter_the_log(client, personas, events):
    client.force_login(personas.facility_manager)
    page = client.get(reverse("manage:audit"))
    assert page.status_code == 200
    listed = [(e.action, e.actor_name) for e in page.context["page_obj"]]
    assert listed == [
        ("sign_in", "fiona"),
        ("download", "victor"),
        ("trashed", "margaret"),
        ("sign_in", "olga"),
    ]
    page = client.get(reverse("manage:audit"), {"action": "trashed"})
    assert [e.actor_name for e in page.context["page_obj"]] == ["margaret"]
    page = client.get(reverse("manage:audit"), {"actor": "OLGA"})
    assert [e.action for e in page.context["page_obj"]] == ["sign_in"]
    page = client.get(reverse("manage:audit"), {"project": personas.project.pk})
    assert len(page.context["page_obj"]) == 2
    assert personas.project.name in page.content.decode()


def test_the_csv_export_is_streamed_with_every_filtered_row(client, personas, events):
    client.force_login(personas.facility_manager)
    response = client.get(
        reverse("manage:audit"), {"format": "csv", "project": personas.project.pk}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "at,action,actor,project,target_type,target_id,target,detail,ip_address"
    assert [line.split(",")[1] for line in lines[1:]] == ["download", "trashed"]
    assert all(",graphene,dataset," in line for line in lines[1:])


def test_project_managers_see_their_projects_entries_only(client, personas, events):
    client.force_login(personas.manager)
    page = client.get(reverse("projects:audit", args=["graphene"]))
    assert [e.action for e in page.context["page_obj"]] == ["download", "trashed"]
    csv_response = client.get(reverse("projects:audit", args=["graphene"]), {"format": "csv"})
    assert len(b"".join(csv_response.streaming_content).splitlines()) == 3
    assert client.get(reverse("manage:audit")).status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [("viewer", 403), ("contributor", 403), ("group_member", 403), ("outsider", 404)],
)
def test_others_may_not_read_a_projects_log(client, personas, persona, status):
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("projects:audit", args=["graphene"])).status_code == status
    assert client.get(reverse("manage:audit")).status_code == 403


def test_the_audit_page_has_bounded_queries(client, personas, django_assert_max_num_queries):
    for _ in range(30):
        audit_record(action=AuditAction.DOWNLOAD, actor=personas.viewer, target=personas.dataset)
    client.force_login(personas.facility_manager)
    with django_assert_max_num_queries(8):
        client.get(reverse("manage:audit"))
