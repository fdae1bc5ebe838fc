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
