"""Project pages: list, detail, creation, members and roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lims.projects.models import Membership, Project
from tests.factories import DatasetFactory, ProjectFactory, UserFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db


def test_project_list_shows_visible_projects(client, personas) -> None:
    other = ProjectFactory(name="Someone else's", visibility="private")
    client.force_login(personas.viewer)
    html = client.get(reverse("projects:list")).content.decode()
    assert personas.project.name in html and other.name not in html


def test_private_project_is_404_for_outsiders(client, personas) -> None:
    url = personas.project.get_absolute_url()
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("projects:member-add", args=["graphene"])).status_code == 405


def test_project_page_shows_members_and_datasets(client, personas) -> None:
    client.force_login(personas.viewer)
    html = client.get(personas.project.get_absolute_url()).content.decode()
    assert personas.dataset.title in html
    assert "carla" in html and "margaret" in html
    assert "Add a member" not in html  # viewers do not manage


def test_create_project_makes_me_its_manager(client, personas) -> None:
    client.force_login(personas.outsider)
    response = client.post(
        reverse("projects:create"),
        {"name": "Perovskites", "description": "Halide perovskites", "visibility": "internal"},
    )
    project = Project.objects.get(name="Perovskites")
    assert response.url == project.get_absolute_url()
    assert Membership.objects.get(project=project, user=personas.outsider).role == "manager"


def test_manager_adds_changes_and_removes_members(client, personas) -> None:
    newcomer = UserFactory(username="nadia")
    client.force_login(personas.manager)
    client.post(
        reverse("projects:member-add", args=["graphene"]),
        {"username": "nadia", "role": "contributor"},
    )
    assert Membership.objects.get(project=personas.project, user=newcomer).role == "contributor"
    client.post(
        reverse("projects:member-update", args=["graphene", newcomer.pk]),
        {"role": "viewer", "action": "set"},
    )
    assert Membership.objects.get(project=personas.project, user=newcomer).role == "viewer"
    client.post(
        reverse("projects:member-update", args=["graphene", newcomer.pk]), {"action": "remove"}
    )
    assert not Membership.objects.filter(project=personas.project, user=newcomer).exists()


def test_last_manager_cannot_be_removed_or_demoted(client, personas) -> None:
    client.force_login(personas.manager)
    url = reverse("projects:member-update", args=["graphene", personas.manager.pk])
    response = client.post(url, {"action": "remove"}, follow=True)
    assert b"at least one manager" in response.content
    client.post(url, {"role": "viewer", "action": "set"})
    assert Membership.objects.get(project=personas.project, user=personas.manager).role == "manager"


@pytest.mark.parametrize("persona", ["viewer", "contributor"])
def test_members_below_manager_cannot_change_members(client, personas, persona) -> None:
    client.force_login(getattr(personas, persona))
    response = client.post(
        reverse("projects:member-add", args=["graphene"]), {"username": "oscar", "role": "manager"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=personas.outsider).exists()


def test_project_page_query_count_is_bounded(client, personas, django_assert_max_num_queries):
    for i in range(6):
        dataset = DatasetFactory(project=personas.project, created_by=personas.manager)
        for j in range(3):
            done_file(dataset, original_name=f"f{i}_{j}.dm3", with_previews=(j == 0))
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(12):
        response = client.get(personas.project.get_absolute_url())
    assert response.status_code == 200


def test_manager_edits_the_project_and_its_default_visibility(client, personas) -> None:
    url = reverse("projects:edit", args=["graphene"])
    client.force_login(personas.manager)
    assert b"Edit" in client.get(personas.project.get_absolute_url()).content
    form = client.get(url)
    assert form.status_code == 200 and personas.project.name.encode() in form.content
    response = client.post(
        url, {"name": "Graphene defects", "description": "Point defects", "visibility": "internal"}
    )
    assert response.status_code == 302
    project = Project.objects.get(pk=personas.project.pk)
    assert (project.name, project.slug, project.visibility) == (
        "Graphene defects",
        "graphene",
        "internal",
    )
    # The dataset follows the project's new default: outsiders now see it.
    client.force_login(personas.outsider)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "viewer", "contributor"])
def test_only_managers_edit_the_project(client, personas, persona) -> None:
    client.force_login(getattr(personas, persona))
    url = reverse("projects:edit", args=["graphene"])
    expected = 404 if persona == "outsider" else 403
    assert client.get(url).status_code == expected
    assert client.post(url, {"name": "x", "visibility": "public"}).status_code == expected
    assert Project.objects.get(pk=personas.project.pk).visibility == "private"
