"""Datasets: a titled group of instrument files inside a project."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from lims.core.permissions import (
    Visibility,
    dataset_filter,
    dataset_live,
    project_edit_filter,
    project_live,
    project_manage_filter,
)
from lims.core.trash import Trashable

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


class Tag(models.Model):
    """A free keyword attached to datasets ("graphene", "in situ heating")."""

    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DatasetQuerySet(models.QuerySet["Dataset"]):
    def visible_to(self, user: AnyUser | None) -> DatasetQuerySet:
        """The datasets ``user`` may see (see :mod:`lims.core.permissions`)."""
        return self.filter(dataset_filter(user))

    def editable_by(self, user: AnyUser | None) -> DatasetQuerySet:
        """The datasets ``user`` may upload files into."""
        return self.filter(dataset_live() & project_edit_filter(user, prefix="project__"))

    def live(self) -> DatasetQuerySet:
        """The datasets that are not in the trash, nor is their project."""
        return self.filter(dataset_live())

    def in_trash(self) -> DatasetQuerySet:
        """The datasets in the trash themselves, in projects that are not."""
        return self.filter(deleted_at__isnull=False).filter(project_live("project__"))

    def managed_by(self, user: AnyUser | None) -> DatasetQuerySet:
        """The datasets of the projects ``user`` manages (what they may restore)."""
        return self.filter(project_manage_filter(user, prefix="project__"))


class Dataset(Trashable):
    """A group of instrument files from one session, sample or experiment.

    Its ``visibility`` overrides the project's when set; blank means "as the project".
    ``uid`` is the stable public identifier used in URLs and citations. A deleted dataset is in
    the trash (``deleted_at``) with its files until it is restored or purged; its title stays
    taken in the project only while it is not in the trash.
    """

    uid = models.UUIDField("identifier", default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="datasets"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10,
        choices=[("", "As the project"), *Visibility.choices],
        blank=True,
        default="",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets")
    license = models.CharField(
        max_length=100, blank=True, help_text="An SPDX identifier such as CC-BY-4.0."
    )
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[
            RegexValidator(r"^10\.\d{4,9}/\S+$", "A DOI looks like 10.1234/abcd (no https://).")
        ],
        help_text="Its DataCite DOI, once it has one (e.g. 10.5281/zenodo.1234).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="datasets_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "title"],
                condition=models.Q(deleted_at__isnull=True),
                name="unique_dataset_title",
            )
        ]
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("datasets:detail", kwargs={"uid": self.uid})

    @property
    def effective_visibility(self) -> str:
        """The visibility that applies: the dataset's own, or else the project's."""
        return self.visibility or self.project.visibility


class Publication(models.Model):
    """A dataset as the OAI-PMH repository has offered it: public now, or withdrawn since (made
    private or internal, moved to the trash, purged).

    The repository keeps these rows for ever (``deletedRecord=persistent``), so a harvester that
    copied a record is told when it goes, and a dataset that becomes public by its project's
    change is stamped when it appears, not with its own older last change. ``changed_at`` is
    when the repository saw it appear or go; ``set_spec`` the set it was in (blank when its
    project was not public), kept for its withdrawal notice.
    """

    uid = models.UUIDField("dataset identifier", unique=True)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField()
    changed_at = models.DateTimeField()
    set_spec = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.uid} ({'public' if self.public else 'withdrawn'})"
