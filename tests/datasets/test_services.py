from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from lims.datasets.services import dataset_create, dataset_update
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_dataset_create_inherits_visibility_and_normalizes_tags():
    project = ProjectFactory(visibility="internal")
    dataset = dataset_create(
        project=project,
        title="  Session 1 ",
        created_by=project.created_by,
        tags=["Graphene", "graphene", " in situ ", ""],
        license="CC-BY-4.0",
    )
    assert dataset.title == "Session 1"
    assert dataset.visibility == ""
    assert dataset.effective_visibility == "internal"
    assert sorted(t.name for t in dataset.tags.all()) == ["graphene", "in situ"]
    assert dataset.uid is not None


def test_dataset_titles_are_unique_within_a_project():
    project = ProjectFactory()
    dataset_create(project=project, title="Session", created_by=project.created_by)
    with pytest.raises(ValidationError) as refused:
        dataset_create(project=project, title=" Session ", created_by=project.created_by)
    assert refused.value.message_dict == {
        "title": ["The project already has a dataset of this title."]
    }


def test_dataset_update_overrides_visibility_and_rejects_bad_values():
    project = ProjectFactory(visibility="private")
    dataset = dataset_create(project=project, title="S", created_by=project.created_by)
    dataset_update(dataset=dataset, user=project.created_by, visibility="public", tags=["x"])
    dataset.refresh_from_db()
    assert dataset.effective_visibility == "public"
    with pytest.raises(ValidationError):
        dataset_update(dataset=dataset, user=project.created_by, visibility="everyone")
