"""Creating and changing datasets through the API, through the permission seam."""

from __future__ import annotations

import json
import os

import pytest
import redis
from rest_framework.test import APIClient

from lims.datasets.models import Dataset
from lims.files.models import ExtractionRun
from lims.files.runs.services import REEXTRACT_DATASET
from lims.files.runs.tasks import reextract_dataset
from tests.factories import InstrumentFileFactory

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
    renamed = _client(personas.contributor).patch(url, {"title": "Titan 14 March"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["title"] == "Titan 14 March"
    # Who may see it is the managers' decision, not its creator's.
    refused = _client(personas.contributor).patch(url, {"visibility": "public"}, format="json")
    assert refused.status_code == 403
    assert _client().get(url).status_code == 404
    changed = _client(personas.manager).patch(url, {"visibility": "public"}, format="json")
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


def test_reextracting_a_dataset_only_queues_a_task(
    personas, django_capture_on_commit_callbacks
) -> None:
    """The request answers at once with the number of files; one task, sent to the real
    broker, queues their runs in a worker."""
    files = [InstrumentFileFactory(dataset=personas.dataset) for _ in range(3)]
    url = f"/api/datasets/{personas.dataset.uid}/reextract/"
    assert _client(personas.contributor).post(url).status_code == 403
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.delete("default")
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(personas.manager).post(url)
    assert response.status_code == 202 and response.json() == {"queued": 3}
    assert not ExtractionRun.objects.filter(file__in=files).exists()  # nothing done inline
    (message,) = [json.loads(m) for m in broker.lrange("default", 0, -1)]
    assert message["headers"]["task"] == REEXTRACT_DATASET
    args = message["headers"]["argsrepr"]
    assert args == repr([personas.dataset.pk, personas.manager.pk])
    broker.delete("default")
    # What the worker then does with it:
    assert reextract_dataset(personas.dataset.pk, personas.manager.pk) == 3
    for instrument_file in files:
        assert instrument_file.runs.get().requested_by == personas.manager
