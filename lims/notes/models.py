"""User metadata: what researchers write about a file or a dataset (sample ID, grid,
treatment…), beside what extraction read from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from lims.core.permissions import dataset_filter, file_filter

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


class NoteQuerySet(models.QuerySet["Note"]):
    def visible_to(self, user: AnyUser | None) -> NoteQuerySet:
        """The notes ``user`` may read: those on datasets and files they may see (a share
        link shows them with the data)."""
        on_dataset = Q(dataset__isnull=False) & dataset_filter(user, prefix="dataset__")
        on_file = Q(file__isnull=False) & file_filter(user, prefix="file__")
        return self.filter(on_dataset | on_file)


class Note(models.Model):
    """One key-value pair a person wrote about a dataset or a file: ``sample ID = GR-17``,
    ``annealing temperature = 450 °C``. ``number`` is the value when it is a number (for
    ranges in search), ``unit`` as written and known to pint (or empty)."""

    dataset = models.ForeignKey(
        "datasets.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    file = models.ForeignKey(
        "files.InstrumentFile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
    )
    key = models.CharField(max_length=100)
    value = models.CharField(max_length=1000)
    number = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["key", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dataset__isnull=False) & Q(file__isnull=True))
                | (Q(dataset__isnull=True) & Q(file__isnull=False)),
                name="note_on_dataset_or_file",
            ),
            models.UniqueConstraint(
                fields=["dataset", "key"],
                condition=Q(file__isnull=True),
                name="one_key_per_dataset",
            ),
            models.UniqueConstraint(
                fields=["file", "key"], condition=Q(dataset__isnull=True), name="one_key_per_file"
            ),
        ]
        indexes = [models.Index(fields=["key", "number"])]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} {self.unit}".strip()

    @property
    def target(self) -> models.Model:
        """The dataset or file the note is about."""
        return self.file if self.file_id else self.dataset  # type: ignore[return-value]
