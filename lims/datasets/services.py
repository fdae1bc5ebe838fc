"""Writes to datasets: creating, changing, the trash."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import Action, in_trash, require
from lims.datasets.models import Dataset, Tag
from lims.projects.models import Project

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

TITLE_TAKEN = "The project already has a dataset of this title."


def _tags(names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({name.strip().lower()[:64] for name in names if name.strip()})
    return [Tag.objects.get_or_create(name=name)[0] for name in cleaned]


@transaction.atomic
def dataset_create(
    *,
    project: Project,
    title: str,
    created_by: User,
    description: str = "",
    visibility: str = "",
    tags: Iterable[str] = (),
    license: str = "",
    doi: str = "",
) -> Dataset:
    """Create a dataset in ``project``; blank ``visibility`` inherits the project's.

    ``created_by`` must contribute to the project; only its managers give a dataset a
    visibility of its own. A title the project already has is a ValidationError.
    """
    require(created_by, Action.CONTRIBUTE, project, "Only the project's contributors add datasets.")
    if visibility:
        require(created_by, Action.MANAGE, project, "Only the project's managers set access.")
    title = title.strip()
    doi = doi.strip().removeprefix("https://doi.org/")
    if doi:
        try:
            Dataset._meta.get_field("doi").run_validators(doi)
        except ValidationError as error:
            raise ValidationError({"doi": error.messages}) from error
    if project.datasets.live().filter(title=title).exists():
        raise ValidationError({"title": [TITLE_TAKEN]})
    try:
        with transaction.atomic():
            dataset = Dataset.objects.create(
                project=project,
                title=title,
                description=description,
                visibility=visibility,
                license=license,
                doi=doi,
                created_by=created_by,
            )
    except IntegrityError as error:  # the same title created at the same moment
        raise ValidationError({"title": [TITLE_TAKEN]}) from error
    dataset.tags.set(_tags(tags))
    if visibility:
        audit_record(
            action=AuditAction.VISIBILITY_CHANGED,
            actor=created_by,
            target=dataset,
            detail={"from": "", "to": visibility},
        )
    return dataset


@transaction.atomic
def dataset_update(
    *,
    dataset: Dataset,
    user: AnyUser,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
    tags: Iterable[str] | None = None,
    license: str | None = None,
    doi: str | None = None,
) -> Dataset:
    """Change the given fields of a dataset; ``None`` leaves a field as it is.

    Its creator (a contributor) or the project's managers may; changing who may see it is
    the managers' alone.
    """
    require(user, Action.EDIT, dataset, "You may not change this dataset.")
    was = dataset.visibility
    if visibility is not None and visibility != dataset.visibility:
        require(user, Action.MANAGE, dataset, "Only the project's managers change access.")
    for field, value in {
        "title": title.strip() if title is not None else None,
        "description": description,
        "visibility": visibility,
        "license": license,
        "doi": doi.strip().removeprefix("https://doi.org/") if doi is not None else None,
    }.items():
        if value is not None:
            setattr(dataset, field, value)
    dataset.full_clean(exclude=["project", "created_by", "deleted_by"])
    try:
        with transaction.atomic():
            dataset.save()
    except IntegrityError as error:  # renamed to a title taken at the same moment
        raise ValidationError({"title": [TITLE_TAKEN]}) from error
    if tags is not None:
        dataset.tags.set(_tags(tags))
    if dataset.visibility != was:
        audit_record(
            action=AuditAction.VISIBILITY_CHANGED,
            actor=user,
            target=dataset,
            detail={"from": was, "to": dataset.visibility},
        )
    return dataset


@transaction.atomic
def dataset_trash(*, dataset: Dataset, user: AnyUser) -> Dataset:
    """Move ``dataset`` with its files to the trash (the project's managers): it disappears
    for everyone at once and can be restored until the trash is purged."""
    require(user, Action.MANAGE, dataset, "Only the project's managers may delete datasets.")
    if dataset.trash_mark(user):
        audit_record(action=AuditAction.TRASHED, actor=user, target=dataset)
    return dataset


@transaction.atomic
def dataset_restore(*, dataset: Dataset, user: AnyUser) -> Dataset:
    """Bring ``dataset`` back from the trash with its files.

    Its project must not be in the trash itself (restore that instead), and its title must
    still be free in the project (rename the newer dataset first): else a ValidationError.
    """
    require(user, Action.MANAGE, dataset, "Only the project's managers may restore datasets.")
    if dataset.deleted_at is None:
        return dataset
    if in_trash(dataset.project):
        raise ValidationError("Its project is in the trash: restore the project instead.")
    if dataset.project.datasets.live().filter(title=dataset.title).exists():
        raise ValidationError(
            f"The project has another dataset titled “{dataset.title}” now; rename it first."
        )
    dataset.trash_unmark()
    audit_record(action=AuditAction.RESTORED, actor=user, target=dataset)
    return dataset
