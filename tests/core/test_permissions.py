"""The permission seam: who sees and does what, for every persona and visibility.

The personas include a member through a research group, a deactivated former manager and an
anonymous visitor holding a share link to the dataset (see ``tests/conftest.py``).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from lims.comments.models import Comment
from lims.core.permissions import (
    Action,
    can,
    role_in,
    roles_by_project,
    share_grant_attach,
)
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.projects.models import Project
from lims.sharing.services import share_grant_for
from tests.factories import (
    CommentFactory,
    DatasetFactory,
    GroupMembershipFactory,
    InstrumentFileFactory,
    MembershipFactory,
    ResearchGroupFactory,
    ShareLinkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "outsider",
    "viewer",
    "contributor",
    "manager",
    "facility_manager",
    "group_member",
    "deactivated",
    "share_holder",
]
MEMBERS = {"viewer", "contributor", "manager", "facility_manager", "group_member"}

# Who sees a project, or a dataset's comments, by its (effective) visibility.
SEES = {
    "private": MEMBERS,
    "internal": MEMBERS | {"outsider"},
    "public": set(PERSONAS),
}
# The data itself: a share link shows its dataset and files whatever their visibility.
SEES_DATA = {level: people | {"share_holder"} for level, people in SEES.items()}


@pytest.mark.parametrize("project_visibility", ["private", "internal", "public"])
@pytest.mark.parametrize("dataset_visibility", ["", "private", "internal", "public"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_visibility_matrix(personas, persona, project_visibility, dataset_visibility):
    Project.objects.filter(pk=personas.project.pk).update(visibility=project_visibility)
    Dataset.objects.filter(pk=personas.dataset.pk).update(visibility=dataset_visibility)
    project = Project.objects.get(pk=personas.project.pk)
    dataset = Dataset.objects.get(pk=personas.dataset.pk)
    instrument_file = InstrumentFileFactory(dataset=dataset)
    comment = CommentFactory(dataset=dataset)
    user = getattr(personas, persona)

    effective = dataset_visibility or project_visibility
    expected = persona in SEES_DATA[effective]
    assert Dataset.objects.visible_to(user).filter(pk=dataset.pk).exists() is expected
    assert (
        InstrumentFile.objects.visible_to(user).filter(pk=instrument_file.pk).exists() is expected
    )
    assert can(user, Action.VIEW, dataset) is expected
    assert can(user, Action.VIEW, instrument_file) is expected

    sees_comments = persona in SEES[effective]
    assert Comment.objects.visible_to(user).filter(pk=comment.pk).exists() is sees_comments
    assert can(user, Action.VIEW, comment) is sees_comments

    sees_project = persona in SEES[project_visibility]
    assert Project.objects.visible_to(user).filter(pk=project.pk).exists() is sees_project
    assert can(user, Action.VIEW, project) is sees_project


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("anonymous", set()),
        ("outsider", set()),
        ("viewer", {Action.VIEW, Action.COMMENT}),
        ("contributor", {Action.VIEW, Action.COMMENT, Action.CONTRIBUTE}),
        ("manager", set(Action)),
        ("facility_manager", set(Action)),
        ("group_member", {Action.VIEW, Action.COMMENT, Action.CONTRIBUTE}),
        ("deactivated", set()),
        ("share_holder", set()),
    ],
)
def test_actions_by_role_on_a_private_project(personas, persona, allowed):
    user = getattr(personas, persona)
    for action in Action:
        assert can(user, action, personas.project) is (action in allowed), action


def test_a_share_link_only_lets_its_holder_look(personas):
    for action in Action:
        assert can(personas.share_holder, action, personas.dataset) is (action is Action.VIEW)
    other = DatasetFactory(project=personas.project, title="Not shared")
    assert not can(personas.share_holder, Action.VIEW, other)
    assert list(Dataset.objects.visible_to(personas.share_holder)) == [personas.dataset]


def test_a_signed_in_outsider_holding_a_link_sees_the_dataset_but_may_not_comment(personas):
    share_grant_attach(personas.outsider, share_grant_for([personas.share_link.pk]))
    assert can(personas.outsider, Action.VIEW, personas.dataset)
    assert not can(personas.outsider, Action.COMMENT, personas.dataset)
    assert not can(personas.outsider, Action.VIEW, personas.project)


def test_revoked_and_expired_links_admit_to_nothing(personas):
    expired = ShareLinkFactory(dataset=personas.dataset, expires_at=timezone.now())
    revoked = ShareLinkFactory(dataset=personas.dataset, revoked_at=timezone.now())
    grant = share_grant_for([expired.pk, revoked.pk])
    assert grant.dataset_ids == frozenset() and grant.link_ids == frozenset()
    holder = AnonymousUser()
    share_grant_attach(holder, grant)
    assert not Dataset.objects.visible_to(holder).exists()


def test_contributor_edits_only_the_datasets_they_created(personas):
    own = personas.dataset  # created by the contributor
    others = DatasetFactory(project=personas.project, created_by=personas.manager)
    assert can(personas.contributor, Action.EDIT, own)
    assert not can(personas.contributor, Action.EDIT, others)
    assert not can(personas.contributor, Action.MANAGE, own)


def test_editable_by_lists_contributors_and_managers_only(personas):
    for persona in PERSONAS:
        expected = persona in {"contributor", "manager", "facility_manager", "group_member"}
        user = getattr(personas, persona)
        assert Project.objects.editable_by(user).filter(pk=personas.project.pk).exists() is expected
        assert Dataset.objects.editable_by(user).filter(pk=personas.dataset.pk).exists() is expected


def test_comment_edit_and_delete(personas):
    comment = CommentFactory(dataset=personas.dataset, author=personas.viewer)
    assert can(personas.viewer, Action.EDIT, comment)
    assert not can(personas.manager, Action.EDIT, comment)
    assert can(personas.manager, Action.MANAGE, comment)  # moderation
    assert not can(personas.contributor, Action.MANAGE, comment)


def test_visible_to_has_no_duplicates_with_many_members(personas):
    for n in range(5):
        member = UserFactory(username=f"extra{n}")
        MembershipFactory(project=personas.project, user=member)
        personas.group.members.add(member)
    personas.group.members.add(personas.viewer)  # a member both ways
    Project.objects.filter(pk=personas.project.pk).update(visibility="public")
    assert Dataset.objects.visible_to(personas.viewer).count() == 1
    assert Project.objects.visible_to(personas.viewer).count() == 1


def test_inactive_member_sees_nothing_private(personas):
    assert not Dataset.objects.visible_to(personas.deactivated).exists()
    assert role_in(personas.deactivated, personas.project) is None


# --- Research groups ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("own", "through_group", "expected"),
    [
        (None, "viewer", "viewer"),
        ("viewer", "contributor", "contributor"),
        ("manager", "viewer", "manager"),
        ("contributor", "contributor", "contributor"),
    ],
)
def test_the_highest_of_a_persons_own_and_group_roles_counts(
    personas, own, through_group, expected
):
    person = UserFactory(username="hugo")
    if own:
        MembershipFactory(project=personas.project, user=person, role=own)
    lab = ResearchGroupFactory(members=[person])
    GroupMembershipFactory(project=personas.project, group=lab, role=through_group)
    assert role_in(person, personas.project) == expected
    assert roles_by_project(person) == {personas.project.pk: expected}


def test_leaving_the_group_ends_its_access(personas):
    assert Dataset.objects.visible_to(personas.group_member).filter(pk=personas.dataset.pk)
    personas.group.members.remove(personas.group_member)
    assert not Dataset.objects.visible_to(personas.group_member).exists()


def test_visible_to_is_one_query_whatever_the_groups(personas, django_assert_num_queries):
    for n in range(3):
        lab = ResearchGroupFactory(members=[personas.group_member])
        project = DatasetFactory(title=f"Elsewhere {n}").project
        GroupMembershipFactory(project=project, group=lab, role="viewer")
    with django_assert_num_queries(1):
        titles = {d.title for d in Dataset.objects.visible_to(personas.group_member)}
    assert len(titles) == 4
    with django_assert_num_queries(1):
        assert len(list(InstrumentFile.objects.visible_to(personas.group_member))) == 0


def test_role_in_is_one_query_per_project(personas, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert role_in(personas.group_member, personas.project) == "contributor"
        assert role_in(personas.group_member, personas.project) == "contributor"  # cached


# --- The trash ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("deleted", ["project", "dataset", "file"])
def test_nobody_sees_what_is_in_the_trash(personas, persona, deleted):
    Project.objects.filter(pk=personas.project.pk).update(visibility="public")
    instrument_file = InstrumentFileFactory(dataset=personas.dataset)
    comment = CommentFactory(file=instrument_file, dataset=None, author=personas.viewer)
    model = {"project": Project, "dataset": Dataset, "file": InstrumentFile}[deleted]
    target = {"project": personas.project, "dataset": personas.dataset, "file": instrument_file}
    model.objects.filter(pk=target[deleted].pk).update(deleted_at=timezone.now())
    user = getattr(personas, persona)
    project = Project.objects.get(pk=personas.project.pk)
    dataset = Dataset.objects.select_related("project").get(pk=personas.dataset.pk)
    instrument_file.refresh_from_db()

    assert not InstrumentFile.objects.visible_to(user).exists()
    assert not Comment.objects.visible_to(user).filter(pk=comment.pk).exists()
    assert not can(user, Action.VIEW, InstrumentFile.objects.get(pk=instrument_file.pk))
    assert InstrumentFile.objects.editable_by(user).count() == 0
    dataset_gone = deleted in {"project", "dataset"}
    assert Dataset.objects.visible_to(user).exists() is not dataset_gone
    assert can(user, Action.VIEW, dataset) is not dataset_gone
    if persona != "share_holder":  # a link shows the dataset, never the project
        assert Project.objects.visible_to(user).exists() is (deleted != "project")
    assert not can(user, Action.VIEW, project) or deleted != "project"
    # Restoring is a manager's: MANAGE still answers for what is in the trash.
    managers = {"manager", "facility_manager"}
    assert can(user, Action.MANAGE, instrument_file) is (persona in managers)
