"""Creating and changing datasets through the API, through the permission seam."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from lims.datasets.models import Dataset

pytestmark = pytest.mark.django_db


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_contributor_creates_a_dataset_then_its_creator_edits_it(personas) -> None:
    response = _client(personas.contributor).post(
        "/api/datasets/",
        {
            "project": "graphene",
            "title": "Titan session 2024-03-14",
            "tags": ["STEM", "graphene"],
            "license": "CC-BY-4.0",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["project"] == "graphene" and body["created_by"] == "carla"
    assert body["effective_visibility"] == "private" and sorted(body["tags"]) == [
        "graphene",
        "stem",
    ]
    url = f"/api/datasets/{body['uid']}/"
    changed = _client(personas.contributor).patch(url, {"visibility": "public"}, format="json")
    assert changed.status_code == 200 and changed.json()["effective_visibility"] == "public"
    # Now public: anybody reads it, nobody but its creator and the managers changes it.
    assert _client().get(url).status_code == 200
    assert _client(personas.viewer).patch(url, {"title": "x"}, format="json").status_code == 403
    assert (
        _client(personas.manager).patch(url, {"title": "Renamed"}, format="json").json()["title"]
        == "Renamed"
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 401), ("outsider", 404), ("viewer", 403), ("facility_manager", 201)],
)
def test_who_may_create_datasets(personas, persona, expected) -> None:
    user = None if persona == "anonymous" else getattr(personas, persona)
    response = _client(user).post(
        "/api/datasets/", {"project": "graphene", "title": f"By {persona}"}, format="json"
    )
    assert response.status_code == expected
    assert Dataset.objects.filter(title=f"By {persona}").exists() is (expected == 201)


def test_bad_dataset_input_is_a_clear_400(personas) -> None:
    client = _client(personas.manager)
    duplicate = client.post(
        "/api/datasets/", {"project": "graphene", "title": personas.dataset.title}, format="json"
    )
    assert duplicate.status_code == 400 and "already has a dataset" in str(duplicate.json())
    bad = client.post(
        "/api/datasets/",
        {"project": "graphene", "title": "T", "visibility": "everyone"},
        format="json",
    )
    assert bad.status_code == 400 and "visibility" in bad.json()
