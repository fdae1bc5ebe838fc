from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lims.core.permissions import Action, can
from lims.projects.models import Membership
from lims.projects.services import (
    membership_remove,
    membership_set,
    project_create,
    project_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_project_create_makes_the_creator_its_manager_and_is_private():
    alice = UserFactory()
    project = project_create(name="Graphene on SiC", created_by=alice)
    assert project.slug == "graphene-on-sic"
    assert project.visibility == "private"
    assert Membership.objects.get(project=project, user=alice).role == "manager"
    assert can(alice, Action.MANAGE, project)


def test_slugs_stay_unique():
    alice = UserFactory()
    first = project_create(name="Catalysts", created_by=alice)
    second = project_create(name="Catalysts!", created_by=alice)
    assert (first.slug, second.slug) == ("catalysts", "catalysts-2")


def test_membership_set_changes_what_a_user_may_do():
    alice, bob = UserFactory(), UserFactory()
    project = project_create(name="P", created_by=alice)
    assert not can(bob, Action.VIEW, project)
    membership_set(project=project, member=bob, role="viewer", user=alice)
    assert can(bob, Action.VIEW, project)
    assert not can(bob, Action.CONTRIBUTE, project)
    membership_set(project=project, member=bob, role="contributor", user=alice)
    assert can(bob, Action.CONTRIBUTE, project)
    membership_remove(project=project, member=bob, user=alice)
    assert not can(bob, Action.VIEW, project)


def test_the_last_manager_cannot_be_removed():
    alice = UserFactory()
    project = project_create(name="P", created_by=alice)
    with pytest.raises(ValueError, match="at least one manager"):
        membership_remove(project=project, member=alice, user=alice)


def test_the_last_manager_cannot_step_down():
    alice, bob = UserFactory(), UserFactory()
    project = project_create(name="P", created_by=alice)
    with pytest.raises(ValueError, match="at least one manager"):
        membership_set(project=project, member=alice, role="viewer", user=alice)
    membership_set(project=project, member=bob, role="manager", user=alice)
    membership_set(project=project, member=alice, role="viewer", user=alice)
    assert Membership.objects.get(project=project, user=alice).role == "viewer"


def test_project_update_keeps_the_slug_and_checks_values():
    owner = UserFactory()
    project = project_create(name="Old name", created_by=owner)
    project_update(project=project, user=owner, name="New name", visibility="public")
    project.refresh_from_db()
    assert (project.name, project.slug, project.visibility) == ("New name", "old-name", "public")
    with pytest.raises(ValueError):
        project_update(project=project, user=owner, visibility="everyone")
    with pytest.raises(ValidationError):
        project_update(project=project, user=owner, name="")


def test_only_managers_change_a_project_or_its_members():
    owner, stranger = UserFactory(), UserFactory()
    project = project_create(name="P", created_by=owner)
    membership_set(project=project, member=stranger, role="contributor", user=owner)
    with pytest.raises(PermissionDenied):
        project_update(project=project, user=stranger, name="Taken over")
    with pytest.raises(PermissionDenied):
        membership_set(project=project, member=stranger, role="manager", user=stranger)
    with pytest.raises(PermissionDenied):
        membership_remove(project=project, member=owner, user=stranger)
    assert Membership.objects.get(project=project, user=stranger).role == "contributor"
