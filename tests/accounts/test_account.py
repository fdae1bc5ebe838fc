"""The account page and personal API tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def test_account_needs_sign_in(client) -> None:
    response = client.get(reverse("account"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_make_use_and_revoke_an_api_token(client, personas) -> None:
    client.force_login(personas.viewer)
    page = client.get(reverse("account")).content.decode()
    assert "no API token yet" in page and personas.project.name in page

    shown = client.post(reverse("account"), {"action": "regenerate"}).content.decode()
    key = Token.objects.get(user=personas.viewer).key
    assert key in shown  # shown once, right after it is made
    assert key not in client.get(reverse("account")).content.decode()

    api = client_class_for_token(key)
    listed = api.get("/api/datasets/").json()
    assert [d["uid"] for d in listed["results"]] == [str(personas.dataset.uid)]

    client.post(reverse("account"), {"action": "regenerate"})
    assert Token.objects.get(user=personas.viewer).key != key
    assert client_class_for_token(key).get("/api/datasets/").status_code == 401

    client.post(reverse("account"), {"action": "revoke"})
    assert not Token.objects.filter(user=personas.viewer).exists()


def test_a_token_sees_only_what_its_user_may(personas) -> None:
    hidden = DatasetFactory(title="Not yours")
    from lims.accounts.services import api_token_regenerate

    key = api_token_regenerate(user=personas.outsider).key
    listed = client_class_for_token(key).get("/api/datasets/").json()
    assert hidden.title not in str(listed) and personas.dataset.title not in str(listed)


def client_class_for_token(key: str):
    from django.test import Client

    return Client(HTTP_AUTHORIZATION=f"Token {key}")
