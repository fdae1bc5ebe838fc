"""The permission seam: who sees and does what, for every persona and visibility."""

from __future__ import annotations

import pytest

from lims.comments.models import Comment
from lims.core.permissions import Action, can
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.projects.models import Project
from tests.factories import CommentFactory, InstrumentFileFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "viewer", "contributor", "manager", "facility_manager"]

# Who sees a dataset, by the effective visibility of the dataset.
SEES = {
    "private": {"viewer", "contributor", "manager", "facility_manager"},
    "internal": {"outsider", "viewer", "contributor", "manager", "facility_manager"},
    "public": set(PERSONAS),
}


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
    expected = persona in SEES[effective]
    assert Dataset.objects.visible_to(user).filter(pk=dataset.pk).exists() is expected
    assert (
        InstrumentFile.objects.visible_to(user).filter(pk=instrument_file.pk).exists() is expected
    )
    assert Comment.objects.visible_to(user).filter(pk=comment.pk).exists() is expected
    assert can(user, Action.VIEW, dataset) is expected
    assert can(user, Action.VIEW, instrument_file) is expected
    assert can(user, Action.VIEW, comment) is expected

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
    ],
)
def test_actions_by_role_on_a_private_project(personas, persona, allowed):
    user = getattr(personas, persona)
    for action in Action:
        assert can(user, action, personas.project) is (action in allowed), action


def test_contributor_edits_only_the_datasets_they_created(personas):
    from tests.factories import DatasetFactory

    own = personas.dataset  # created by the contributor
    others = DatasetFactory(project=personas.project, created_by=personas.manager)
    assert can(personas.contributor, Action.EDIT, own)
    assert not can(personas.contributor, Action.EDIT, others)
    assert not can(personas.contributor, Action.MANAGE, own)


def test_editable_by_lists_contributors_and_managers_only(personas):
    for persona, expected in [
        ("anonymous", False),
        ("outsider", False),
        ("viewer", False),
        ("contributor", True),
        ("manager", True),
        ("facility_manager", True),
    ]:
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
    from tests.factories import MembershipFactory, UserFactory

    for n in range(5):
        MembershipFactory(project=personas.project, user=UserFactory(username=f"extra{n}"))
    Project.objects.filter(pk=personas.project.pk).update(visibility="public")
    assert Dataset.objects.visible_to(personas.viewer).count() == 1
    assert Project.objects.visible_to(personas.viewer).count() == 1


def test_inactive_member_sees_nothing_private(personas):
    personas.viewer.is_active = False
    personas.viewer.save()
    assert not Dataset.objects.visible_to(personas.viewer).exists()
