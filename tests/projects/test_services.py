from __future__ import annotations

import pytest

from lims.core.permissions import Action, can
from lims.projects.models import Membership
from lims.projects.services import membership_remove, membership_set, project_create
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
    membership_set(project=project, user=bob, role="viewer")
    assert can(bob, Action.VIEW, project)
    assert not can(bob, Action.CONTRIBUTE, project)
    membership_set(project=project, user=bob, role="contributor")
    assert can(bob, Action.CONTRIBUTE, project)
    membership_remove(project=project, user=bob)
    assert not can(bob, Action.VIEW, project)


def test_the_last_manager_cannot_be_removed():
    alice = UserFactory()
    project = project_create(name="P", created_by=alice)
    with pytest.raises(ValueError, match="at least one manager"):
        membership_remove(project=project, user=alice)


def test_the_last_manager_cannot_step_down():
    alice, bob = UserFactory(), UserFactory()
    project = project_create(name="P", created_by=alice)
    with pytest.raises(ValueError, match="at least one manager"):
        membership_set(project=project, user=alice, role="viewer")
    membership_set(project=project, user=bob, role="manager")
    membership_set(project=project, user=alice, role="viewer")
    assert Membership.objects.get(project=project, user=alice).role == "viewer"


def test_project_update_keeps_the_slug_and_checks_values():
    from django.core.exceptions import ValidationError

    from lims.projects.services import project_update

    project = project_create(name="Old name", created_by=UserFactory())
    project_update(project=project, name="New name", visibility="public")
    project.refresh_from_db()
    assert (project.name, project.slug, project.visibility) == ("New name", "old-name", "public")
    with pytest.raises(ValueError):
        project_update(project=project, visibility="everyone")
    with pytest.raises(ValidationError):
        project_update(project=project, name="")
