"""The facet matrix keeps who sees which datasets per person, and forgets it exactly when
something it depends on changes: the next search after a change of a membership, a group, a
visibility, a dataset's project, the trash or the person sees it, in the changing transaction
and in every other one. The writes here go around the services (``update()``, no receiver
re-indexes an entry) so that only the kept access can be stale."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from lims.accounts.models import User
from lims.datasets.models import Dataset
from lims.projects.models import Membership, Project
from lims.search import matrix as matrix_module
from lims.search.services import search_run
from tests.factories import DatasetFactory, MembershipFactory, ProjectFactory
from tests.web.conftest import done_file


def seen(user) -> set[str]:
    result = search_run(user=user, text="", page_size=200, engine="matrix")
    assert result.engine == "matrix"
    return {entry.name for entry in result.entries}


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def every_change_is_seen_at_once(personas) -> None:
    done_file(personas.dataset, original_name="private.dm3")
    outsider, viewer, anonymous = personas.outsider, personas.viewer, AnonymousUser()
    other = ProjectFactory(visibility="private")
    MembershipFactory(project=other, user=outsider)
    assert seen(outsider) == set()
    assert seen(viewer) == {"private.dm3"}

    membership = MembershipFactory(project=personas.project, user=outsider)
    assert seen(outsider) == {"private.dm3"}
    Membership.objects.filter(pk=membership.pk).delete()
    assert seen(outsider) == set()

    personas.group.members.add(outsider)  # the group is a contributor of the project
    assert seen(outsider) == {"private.dm3"}
    personas.group.members.remove(outsider)
    assert seen(outsider) == set()

    projects = Project.objects.filter(pk=personas.project.pk)
    projects.update(visibility="internal")
    assert seen(outsider) == {"private.dm3"}
    assert seen(anonymous) == set()
    projects.update(visibility="private")
    assert seen(outsider) == set()

    datasets = Dataset.objects.filter(pk=personas.dataset.pk)
    datasets.update(visibility="public")
    assert seen(anonymous) == {"private.dm3"}
    datasets.update(visibility="")
    assert seen(anonymous) == set()

    datasets.update(project=other)  # moved into a project the outsider is a member of
    assert seen(outsider) == {"private.dm3"}
    assert seen(viewer) == set()
    datasets.update(project=personas.project)
    assert seen(outsider) == set()
    assert seen(viewer) == {"private.dm3"}

    opened = DatasetFactory(project=ProjectFactory(visibility="public"))
    done_file(opened, original_name="open.dm3")
    assert seen(anonymous) == {"open.dm3"}

    projects.update(deleted_at=timezone.now())
    assert seen(viewer) == {"open.dm3"}
    projects.update(deleted_at=None)
    assert seen(viewer) == {"private.dm3", "open.dm3"}

    User.objects.filter(pk=viewer.pk).update(is_active=False)
    assert seen(fresh(viewer)) == {"open.dm3"}
    User.objects.filter(pk=outsider.pk).update(is_staff=True)
    assert seen(fresh(outsider)) == {"private.dm3", "open.dm3"}
    assert seen(personas.share_holder) == {"private.dm3", "open.dm3"}


@pytest.mark.django_db
def test_a_change_of_access_is_seen_by_the_next_search_in_its_transaction(personas) -> None:
    every_change_is_seen_at_once(personas)


@pytest.mark.django_db(transaction=True)
def test_a_change_of_access_is_seen_by_the_next_search_of_another_transaction(personas) -> None:
    every_change_is_seen_at_once(personas)


@pytest.mark.django_db(transaction=True)
def test_access_is_asked_once_until_it_changes(personas, monkeypatch) -> None:
    done_file(personas.dataset, original_name="private.dm3")
    asked = []
    seam = matrix_module.search_entry_datasets

    def counted(user):
        asked.append(user)
        return seam(user)

    monkeypatch.setattr(matrix_module, "search_entry_datasets", counted)
    viewer, outsider = personas.viewer, personas.outsider
    assert seen(viewer) == {"private.dm3"} and seen(viewer) == {"private.dm3"}
    assert seen(outsider) == set() and seen(outsider) == set()
    assert len(asked) == 2
    done_file(personas.dataset, original_name="another.dm3")  # a new file changes no access
    Project.objects.filter(pk=personas.project.pk).update(description="Changed words")
    assert seen(viewer) == {"private.dm3", "another.dm3"}
    assert len(asked) == 2
    MembershipFactory(project=personas.project, user=outsider)
    assert seen(outsider) == {"private.dm3", "another.dm3"}
    assert seen(viewer) == {"private.dm3", "another.dm3"}
    assert len(asked) == 4


@pytest.mark.django_db
def test_a_grant_rolled_back_with_its_savepoint_is_not_kept(personas) -> None:
    done_file(personas.dataset, original_name="private.dm3")
    outsider = personas.outsider
    assert seen(outsider) == set()
    with pytest.raises(RuntimeError), transaction.atomic():
        MembershipFactory(project=personas.project, user=outsider)
        assert seen(outsider) == {"private.dm3"}
        raise RuntimeError("roll back")
    assert seen(outsider) == set()
    assert seen(outsider) == set()
