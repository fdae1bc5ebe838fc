"""/api/v1/me/ and /api/v1/tokens/, and the rate limits per token."""

from __future__ import annotations

import pytest

from lims.accounts.models import ApiToken
from lims.accounts.services import api_token_create
from lims.api.throttling import AnonymousRateThrottle, TokenRateThrottle

pytestmark = pytest.mark.django_db


def test_me_says_who_the_token_belongs_to(personas, api_client_for):
    me = api_client_for(personas.facility_manager).get("/api/v1/me/").json()
    assert me["username"] == "fiona" and me["is_facility_manager"] is True
    assert api_client_for(personas.viewer).get("/api/v1/me/").json()["is_facility_manager"] is False
    assert api_client_for().get("/api/v1/me/").status_code == 401


def test_tokens_made_listed_and_revoked_through_the_api(personas, api_client_for):
    client = api_client_for(personas.viewer)
    made = client.post(
        "/api/v1/tokens/", {"name": "Titan PC", "expires_at": "2099-01-01T00:00:00Z"}
    )
    assert made.status_code == 201
    key = made.json()["key"]
    assert made.json()["name"] == "Titan PC" and made.json()["expires_at"].startswith("2099")
    listed = client.get("/api/v1/tokens/").json()
    assert sorted(t["name"] for t in listed) == ["Titan PC", "tests"]
    assert all("key" not in t for t in listed)
    new = api_client_for()
    new.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert new.get("/api/v1/me/").json()["username"] == "victor"
    token_id = made.json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}/").status_code == 204
    assert new.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "expires_at": "soon"}, "expires_at"),
    ],
)
def test_bad_tokens_are_400(personas, api_client_for, body, field):
    response = api_client_for(personas.viewer).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_others_tokens_are_404_and_facility_managers_revoke_anyones(personas, api_client_for):
    token, _ = api_token_create(user=personas.viewer, name="Titan PC")
    manager = api_client_for(personas.manager)
    assert [t["name"] for t in manager.get("/api/v1/tokens/").json()] == ["tests"]
    assert manager.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    facility = api_client_for(personas.facility_manager)
    everyone = facility.get("/api/v1/tokens/?user=victor").json()
    assert [(t["name"], t["user"]) for t in everyone] == [("Titan PC", "victor")]
    assert facility.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_rate_limit_per_token_is_a_429_with_retry_after(personas, api_client_for, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    client = api_client_for(personas.viewer)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/projects/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"]
    # Another token of the same person has its own budget.
    _, key = api_token_create(user=personas.viewer, name="second")
    other = api_client_for()
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get("/api/v1/me/").status_code == 200


def test_anonymous_callers_are_limited_per_address(client, monkeypatch):
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert [client.get("/api/v1/projects/").status_code for _ in range(3)] == [200, 200, 429]
