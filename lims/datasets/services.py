"""Writes to datasets."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from lims.accounts.models import User
from lims.datasets.models import Dataset, Tag
from lims.projects.models import Project


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
) -> Dataset:
    """Create a dataset in ``project``; blank ``visibility`` inherits the project's."""
    dataset = Dataset.objects.create(
        project=project,
        title=title.strip(),
        description=description,
        visibility=visibility,
        license=license,
        created_by=created_by,
    )
    dataset.tags.set(_tags(tags))
    return dataset


@transaction.atomic
def dataset_update(
    *,
    dataset: Dataset,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
    tags: Iterable[str] | None = None,
    license: str | None = None,
) -> Dataset:
    """Change the given fields of a dataset; ``None`` leaves a field as it is."""
    for field, value in {
        "title": title.strip() if title is not None else None,
        "description": description,
        "visibility": visibility,
        "license": license,
    }.items():
        if value is not None:
            setattr(dataset, field, value)
    dataset.full_clean(exclude=["project", "created_by"])
    dataset.save()
    if tags is not None:
        dataset.tags.set(_tags(tags))
    return dataset
