"""Adding a member by e-mail sends an invitation and tells nothing about the address: the
page, the e-mail and the audit log are the same whether or not it has an account (and never
show its user name). The invited person accepts with their account or makes one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from lims.audit.models import AuditEvent
from lims.projects.models import Invitation, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def invite(personas, email: str, role: str = "contributor"):
    client = Client()
    client.force_login(personas.manager)
    response = client.post(
        "/projects/graphene/members/", {"username": email, "role": role}, follow=True
    )
    assert response.status_code == 200
    return response


def link(message) -> str:
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body).group(1)


def strip_variable_parts(text: str) -> str:
    text = re.sub(r"(known|unknown)@example\.org", "ADDRESS", text)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


def test_the_answer_is_the_same_whether_the_address_has_an_account_or_not(
    personas, django_capture_on_commit_callbacks
):
    UserFactory(username="hidden-name", email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = invite(personas, "known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        unknown = invite(personas, "unknown@example.org")
    assert "hidden-name" not in known.content.decode()
    assert strip_variable_parts(known.content.decode()) == strip_variable_parts(
        unknown.content.decode()
    )
    assert "An invitation to join as contributor was e-mailed to known@example.org." in (
        known.content.decode()
    )
    assert [m.to for m in mail.outbox] == [["known@example.org"], ["unknown@example.org"]]
    assert "hidden-name" not in mail.outbox[0].body
    assert not Membership.objects.filter(project=personas.project, user__username="hidden-name")
    events = AuditEvent.objects.filter(action="invitation_sent").order_by("id")
    assert [e.detail for e in events] == [
        {"email": "known@example.org", "role": "contributor"},
        {"email": "unknown@example.org", "role": "contributor"},
    ]


def test_an_invited_person_with_an_account_signs_in_and_joins(
    personas, django_capture_on_commit_callbacks
):
    person = UserFactory(username="ines", email="ines@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invite(personas, "ines@example.org", role="viewer")
    url = link(mail.outbox[0])
    anonymous = Client()
    page = anonymous.get(url).content.decode()
    assert "Join “" in page and "I have an account: sign in" in page
    client = Client()
    client.force_login(person)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/projects/graphene/"
    assert Membership.objects.get(project=personas.project, user=person).role == "viewer"
    assert client.get("/projects/graphene/").status_code == 200
    # Used once.
    again = Client()
    again.force_login(personas.outsider)
    assert again.get(url).status_code == 410
    assert again.post(url).status_code == 410
    assert not Membership.objects.filter(project=personas.project, user=personas.outsider)


def test_an_invited_person_without_an_account_makes_one(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(personas, "newcomer@example.org")
    url = link(mail.outbox[0])
    client = Client()
    taken = client.post(url, {"username": "victor", "password": "a long passphrase 42"})
    assert taken.status_code == 200 and "This user name is taken" in taken.content.decode()
    weak = client.post(url, {"username": "nina", "password": "123"})
    assert weak.status_code == 200 and "password" in weak.content.decode()
    response = client.post(
        url, {"username": "nina", "full_name": "Nina Ray", "password": "a long passphrase 42"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(project=personas.project, user__username="nina")
    assert membership.role == "contributor" and membership.user.email == "newcomer@example.org"
    assert client.get("/projects/graphene/").status_code == 200  # signed in
    assert Invitation.objects.get().accepted_by == membership.user


def test_an_existing_higher_role_stays_and_expired_invitations_are_gone(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(personas, "margaret@example.org", role="viewer")
        invite(personas, "late@example.org", role="viewer")
    client = Client()
    client.force_login(personas.manager)
    assert client.post(link(mail.outbox[0])).status_code == 302
    assert Membership.objects.get(project=personas.project, user=personas.manager).role == (
        "manager"
    )
    Invitation.objects.filter(email="late@example.org").update(expires_at="2000-01-01T00:00Z")
    assert Client().get(link(mail.outbox[1])).status_code == 410
    assert Client().get("/invitations/not-a-key/").status_code == 410


@pytest.mark.parametrize("persona", ["viewer", "contributor", "outsider"])
def test_only_managers_invite(personas, persona):
    client = Client()
    client.force_login(getattr(personas, persona))
    response = client.post(
        "/projects/graphene/members/", {"username": "x@example.org", "role": "manager"}
    )
    assert response.status_code == (404 if persona == "outsider" else 403)
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_user_name_still_adds_the_account_at_once(personas):
    UserFactory(username="paula", email="paula@example.org")
    client = Client()
    client.force_login(personas.manager)
    client.post("/projects/graphene/members/", {"username": "paula", "role": "viewer"})
    assert Membership.objects.get(project=personas.project, user__username="paula").role == (
        "viewer"
    )


def test_managers_invite_list_and_withdraw_through_the_api(
    personas, api_client_for, django_capture_on_commit_callbacks
):
    UserFactory(username="hidden-name", email="known@example.org")
    client = api_client_for(personas.manager)
    url = "/api/v1/projects/graphene/invitations/"
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"email": email, "role": "contributor"}, format="json")
        assert response.status_code == 201, response.content
        answers.append(response.json())
    # The same answer either way, and no user name in it.
    assert [sorted(a) for a in answers] == [
        ["created_at", "email", "expires_at", "id", "invited_by", "role"]
    ] * 2
    assert [(a["email"], a["role"], a["invited_by"]) for a in answers] == [
        ("known@example.org", "contributor", personas.manager.username),
        ("unknown@example.org", "contributor", personas.manager.username),
    ]
    assert "hidden-name" not in str(answers)
    assert [m.to for m in mail.outbox] == [["known@example.org"], ["unknown@example.org"]]
    listed = client.get(url)
    assert listed.status_code == 200
    assert [i["email"] for i in listed.json()] == ["unknown@example.org", "known@example.org"]
    # Withdrawn: gone from the list, its link no longer opens, the audit log says who.
    first = answers[0]["id"]
    assert client.delete(f"{url}{first}/").status_code == 204
    assert [i["email"] for i in client.get(url).json()] == ["unknown@example.org"]
    assert client.delete(f"{url}{first}/").status_code == 404
    key_url = link(mail.outbox[0])
    assert Client().get(key_url).status_code == 410
    event = AuditEvent.objects.get(action="invitation_revoked")
    assert (event.actor_id, event.detail) == (
        personas.manager.pk,
        {"email": "known@example.org", "role": "contributor"},
    )


def test_an_invitation_needs_a_valid_address_and_role(personas, api_client_for):
    client = api_client_for(personas.manager)
    url = "/api/v1/projects/graphene/invitations/"
    bad = client.post(url, {"email": "not-an-address", "role": "owner"}, format="json")
    assert bad.status_code == 400
    assert (bad.json()["email"], bad.json()["role"]) == (
        ["Enter a valid email address."],
        ['"owner" is not a valid choice.'],
    )
    assert not Invitation.objects.exists()


def test_only_managers_see_which_invitations_exist(personas, api_client_for):
    invitation = Invitation.objects.create(
        project=personas.project,
        email="x@example.org",
        role="viewer",
        key_digest="d" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    viewer = api_client_for(personas.viewer)
    # An existing id and a missing one answer alike for a viewer.
    url = "/api/v1/projects/graphene/invitations/"
    assert viewer.delete(f"{url}{invitation.pk}/").status_code == 403
    assert viewer.delete(f"{url}{invitation.pk + 1000}/").status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()
