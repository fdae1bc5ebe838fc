"""Facility managers manage people: create accounts, deactivate and reactivate them, hand
over what one owns to another. A deactivated person's data stays; they cannot sign in, use an
API token, or keep using a session they had."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.urls import reverse

from lims.accounts.models import User
from lims.audit.models import AuditEvent
from lims.datasets.models import Dataset
from lims.projects.models import Membership, Project
from tests.factories import PASSWORD, DatasetFactory, ProjectFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db

PAGES = ["manage:people", "manage:person-create", "manage:groups", "manage:audit"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["outsider", "viewer", "manager", "group_member"])
def test_only_facility_managers(client, personas, name, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(reverse(name)).status_code == 403
    person_url = reverse("manage:person-activation", args=[personas.viewer.pk])
    assert client.post(person_url, {"action": "deactivate"}).status_code == 403
    assert User.objects.get(pk=personas.viewer.pk).is_active


def test_creating_an_account(client, personas):
    client.force_login(personas.facility_manager)
    response = client.post(
        reverse("manage:person-create"),
        {
            "username": "nadia",
            "email": "nadia@facility.example.org",
            "first_name": "Nadia",
            "password": "a long enough passphrase 7",
        },
    )
    nadia = User.objects.get(username="nadia")
    assert response.url == reverse("manage:person", args=[nadia.pk])
    assert nadia.check_password("a long enough passphrase 7") and not nadia.is_staff
    client.logout()
    assert client.login(
        request=HttpRequest(), username="nadia", password="a long enough passphrase 7"
    )
    event = AuditEvent.objects.get(action="user_created")
    assert (event.actor_name, event.target_label) == ("fiona", "Nadia (nadia)")


def test_an_account_for_single_sign_on_only_has_no_usable_password(client, personas):
    client.force_login(personas.facility_manager)
    client.post(reverse("manage:person-create"), {"username": "sso-only"})
    assert not User.objects.get(username="sso-only").has_usable_password()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"username": "VICTOR"}, "This user name is taken."),
        ({"username": "weak", "password": "123"}, "This password is too short"),
    ],
)
def test_bad_accounts_are_refused_on_the_form(client, personas, fields, error):
    client.force_login(personas.facility_manager)
    response = client.post(reverse("manage:person-create"), fields)
    assert response.status_code == 200 and error in response.content.decode()


def test_a_deactivated_person_is_locked_out_but_their_data_stays(client, personas, api_client_for):
    key = api_key_for(personas.contributor)
    personas_session = api_client_for()
    personas_session.force_login(personas.contributor)
    client.force_login(personas.facility_manager)
    client.post(
        reverse("manage:person-activation", args=[personas.contributor.pk]),
        {"action": "deactivate"},
    )
    carla = User.objects.get(pk=personas.contributor.pk)
    assert not carla.is_active
    # The data stays: their dataset, seen by the others as before.
    assert Dataset.objects.get(pk=personas.dataset.pk).created_by == carla
    client.force_login(personas.viewer)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    # No sign-in, no token, and the session they had is no longer theirs.
    client.logout()
    response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 200 and not response.context["user"].is_authenticated
    api = api_client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/datasets/").status_code == 401
    assert personas_session.get(f"/api/datasets/{personas.dataset.uid}/").status_code == 404
    assert personas_session.get(personas.dataset.get_absolute_url()).status_code == 404


def test_reactivating_restores_access(client, personas):
    client.force_login(personas.facility_manager)
    client.post(
        reverse("manage:person-activation", args=[personas.deactivated.pk]),
        {"action": "reactivate"},
    )
    client.logout()
    assert client.login(request=HttpRequest(), username="dora", password=PASSWORD)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("id"))
    assert actions == ["sign_in", "user_reactivated", "sign_in"]


def test_nobody_deactivates_themselves(client, personas):
    client.force_login(personas.facility_manager)
    url = reverse("manage:person-activation", args=[personas.facility_manager.pk])
    response = client.post(url, {"action": "deactivate"}, follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    assert User.objects.get(pk=personas.facility_manager.pk).is_active


def test_handing_over_ownership(client, personas):
    leaving = personas.manager
    own_project = ProjectFactory(created_by=leaving, slug="own")
    DatasetFactory(project=own_project, created_by=leaving, title="Mine")
    heir = UserFactory(username="henri")
    Membership.objects.create(project=own_project, user=heir, role="viewer")
    client.force_login(personas.facility_manager)
    response = client.post(
        reverse("manage:person-transfer", args=[leaving.pk]), {"to_user": heir.pk}, follow=True
    )
    assert "2 project(s) and 1 dataset(s)" in response.content.decode()
    assert set(Project.objects.filter(created_by=heir).values_list("slug", flat=True)) == {
        "graphene",
        "own",
    }
    assert Dataset.objects.get(title="Mine").created_by == heir
    roles = dict(Membership.objects.filter(user=heir).values_list("project__slug", "role"))
    assert roles == {"graphene": "manager", "own": "manager"}
    # The one leaving keeps their own roles until deactivated.
    assert Membership.objects.get(project=personas.project, user=leaving).role == "manager"
    assert AuditEvent.objects.filter(action="ownership_transferred").count() == 1
    assert AuditEvent.objects.filter(action="membership_set", project_id=own_project.pk).exists()


def test_people_page_lists_groups_and_deactivated_accounts(client, personas):
    client.force_login(personas.facility_manager)
    html = client.get(reverse("manage:people")).content.decode()
    assert "Electron Lab" in html and "deactivated" in html
    page = client.get(reverse("manage:person", args=[personas.group_member.pk]))
    assert page.status_code == 200 and "Electron Lab" in page.content.decode()
