"""The account page and personal API tokens: several per user, named, expiring, stored hashed,
shown once, listed with their last use, revoked by their owner or a facility manager."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lims.accounts.models import ApiToken
from lims.accounts.services import api_token_create
from lims.accounts.tokens import key_digest
from lims.audit.models import AuditEvent
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def token_client(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_account_needs_sign_in(client) -> None:
    response = client.get(reverse("account"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_make_use_and_revoke_tokens_on_the_account_page(client, personas) -> None:
    client.force_login(personas.viewer)
    page = client.get(reverse("account")).content.decode()
    assert "no API token yet" in page and personas.project.name in page

    shown = client.post(reverse("account"), {"name": "Titan PC"}).content.decode()
    token = ApiToken.objects.get(user=personas.viewer)
    key = shown.split('id="token-key">')[1].split("<")[0]
    assert key.startswith("lims_") and len(key) == 45
    assert token.digest == key_digest(key) and token.prefix == key[:12]
    # Only the hash is in the database.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert key not in str(cursor.fetchall())
    page = client.get(reverse("account")).content.decode()
    assert key not in page and "Titan PC" in page and token.prefix in page

    listed = token_client(key).get("/api/v1/datasets/").json()
    assert [d["uid"] for d in listed["results"]] == [str(personas.dataset.uid)]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "Titan PC" in client.get(reverse("account")).content.decode()

    # A second token for a script; revoking the first leaves it working.
    second = client.post(reverse("account"), {"name": "notebook", "expires_on": "2099-01-31"})
    second_key = second.content.decode().split('id="token-key">')[1].split("<")[0]
    client.post(reverse("account"), {"revoke": token.pk})
    assert token_client(key).get("/api/v1/datasets/").status_code == 401
    assert token_client(second_key).get("/api/v1/datasets/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(action__startswith="token_").values_list("action", flat=True)
    )
    assert sorted(actions) == ["token_created", "token_created", "token_revoked"]


def test_nobody_revokes_someone_elses_token_from_their_page(client, personas) -> None:
    token, key = api_token_create(user=personas.viewer, name="Titan PC")
    client.force_login(personas.manager)
    assert client.post(reverse("account"), {"revoke": token.pk}).status_code == 404
    assert client.post(reverse("account"), {"revoke": "x"}).status_code == 404
    assert token_client(key).get("/api/v1/me/").status_code == 200


def test_a_facility_manager_revokes_anyones_token(client, personas) -> None:
    token, key = api_token_create(user=personas.viewer, name="Titan PC")
    client.force_login(personas.facility_manager)
    page = client.get(reverse("manage:person", args=[personas.viewer.pk])).content.decode()
    assert "Titan PC" in page and token.prefix in page
    url = reverse("manage:person-token-revoke", args=[personas.viewer.pk, token.pk])
    assert client.post(url).status_code == 302
    assert token_client(key).get("/api/v1/me/").status_code == 401
    client.force_login(personas.manager)
    other, _ = api_token_create(user=personas.viewer, name="other")
    url = reverse("manage:person-token-revoke", args=[personas.viewer.pk, other.pk])
    assert client.post(url).status_code in {302, 403}
    assert ApiToken.objects.filter(pk=other.pk).exists()


def test_expired_tokens_are_refused(personas) -> None:
    token, key = api_token_create(
        user=personas.viewer, name="short", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert token_client(key).get("/api/v1/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = token_client(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, expired or revoked token."}


def test_a_token_sees_only_what_its_user_may(personas) -> None:
    hidden = DatasetFactory(title="Not yours")
    _, key = api_token_create(user=personas.outsider, name="script")
    listed = token_client(key).get("/api/v1/datasets/").json()
    assert hidden.title not in str(listed) and personas.dataset.title not in str(listed)


def test_bearer_works_and_malformed_headers_are_401(personas) -> None:
    _, key = api_token_create(user=personas.viewer, name="script")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bearer.get("/api/v1/me/").json()["username"] == "victor"
    assert Client(HTTP_AUTHORIZATION="Token").get("/api/v1/me/").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Token a b").get("/api/v1/me/").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Token ünï").get("/api/v1/me/").status_code == 401
