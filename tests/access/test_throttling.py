"""Guessing is throttled: sign-in per account and per address (django-axes), and wrong API
tokens per address."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, api_key_for

pytestmark = pytest.mark.django_db


def sign_in(username: str, password: str, address: str) -> int:
    response = Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )
    return response.status_code


def test_an_account_is_locked_after_ten_wrong_passwords_from_anywhere(personas, settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    for attempt in range(9):  # each from another address: only the account is counted
        assert sign_in("victor", "wrong", f"10.0.0.{attempt + 1}") == 200
    assert sign_in("victor", "wrong", "10.0.0.10") == 429  # the tenth locks it
    # The right password, even from a fresh address, is refused while the account is locked.
    refused = Client(REMOTE_ADDR="10.0.1.1").post(
        "/accounts/login/", {"username": "victor", "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in refused.client.session
    # Other accounts are not affected.
    assert sign_in("carla", PASSWORD, "10.0.1.2") == 302


def test_an_address_is_locked_after_ten_wrong_passwords_for_any_accounts(personas):
    for attempt in range(9):
        assert sign_in(f"nobody{attempt}", "wrong", "192.0.2.7") == 200
    assert sign_in("nobody9", "wrong", "192.0.2.7") == 429
    assert sign_in("carla", PASSWORD, "192.0.2.7") == 429
    assert sign_in("carla", PASSWORD, "192.0.2.8") == 302


def test_a_right_password_before_the_limit_starts_the_count_again(personas):
    for attempt in range(9):
        assert sign_in("victor", "wrong", f"10.0.2.{attempt + 1}") == 200
    assert sign_in("victor", PASSWORD, "10.0.3.1") == 302
    for attempt in range(9):
        assert sign_in("victor", "wrong", f"10.0.4.{attempt + 1}") == 200
    assert sign_in("victor", PASSWORD, "10.0.5.1") == 302


def test_wrong_api_tokens_from_one_address_are_throttled(personas, settings):
    settings.LIMS_API_TOKEN_FAILURES = 20
    key = api_key_for(personas.viewer)
    guesser = APIClient(REMOTE_ADDR="198.51.100.9")
    for attempt in range(20):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token wrong{attempt:040d}")
        assert guesser.get("/api/v1/projects/").status_code == 401
    # The 21st, even with a right key, waits: no guess is checked any more.
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    throttled = guesser.get("/api/v1/projects/")
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= settings.LIMS_API_TOKEN_FAILURE_WINDOW
    # A forged X-Forwarded-For does not make a new client (no proxy is trusted here).
    forged = guesser.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert forged.status_code == 429
    # Other addresses, and anonymous requests without a token, go on.
    other = APIClient(REMOTE_ADDR="198.51.100.10")
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get("/api/v1/projects/").status_code == 200
    assert APIClient(REMOTE_ADDR="198.51.100.9").get("/api/v1/projects/").status_code == 200
