"""The search index (one denormalized row per instrument file), the vendor keys that occur, and
saved searches.

:class:`SearchEntry` copies what a search filters, counts and shows into one row per file so a
query reads one table: the typed columns come from the typed schema (``extraction/schema.py``:
every quantity, and every text or enum field marked ``facet``), the text to search is in three
weighted columns (``text_a`` names, ``text_b`` the instrument and the dataset, ``text_c`` the
rest), and ``tree`` is the vendor's metadata flattened to ``{"A.B.C": leaf}``. On PostgreSQL a
migration adds ``document``, a stored generated ``tsvector`` of the three text columns with a GIN
index (the model does not declare it: the ORM never writes it, :mod:`lims.search.compile` reads
it). Who may see an entry is decided by :func:`lims.core.permissions.search_entry_filter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse

from extraction.schema import FILE_FIELDS, FieldKind, FieldSpec
from lims.core.permissions import acting_user, search_entry_filter, search_key_filter

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

#: Text fields of the schema that are columns although they are no facet (``specimen:…``).
EXTRA_TEXT_COLUMNS = ("specimen",)


def schema_columns() -> tuple[FieldSpec, ...]:
    """The schema fields that are typed columns of the index: every quantity, and the text and
    enum fields that are facets (or in :data:`EXTRA_TEXT_COLUMNS`)."""
    return tuple(
        spec
        for spec in FILE_FIELDS
        if spec.kind is FieldKind.QUANTITY
        or (
            spec.kind in (FieldKind.TEXT, FieldKind.ENUM)
            and (spec.facet or spec.key in EXTRA_TEXT_COLUMNS)
        )
    )


class SearchEntryQuerySet(models.QuerySet["SearchEntry"]):
    def visible_to(self, user: AnyUser | None) -> SearchEntryQuerySet:
        """The entries of the files ``user`` may see (see :mod:`lims.core.permissions`)."""
        return self.filter(search_entry_filter(user))


class SearchEntry(models.Model):
    """What search knows of one instrument file, denormalized (see the module docstring).

    ``live`` is false while the file, its dataset or its project is in the trash;
    ``first_indexed_at`` is when the file first became findable ("new since you looked").
    """

    file = models.OneToOneField(
        "files.InstrumentFile",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(
        "instruments.Instrument", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uid = models.UUIDField(help_text="The file's identifier (for its links).")
    live = models.BooleanField(default=True)
    status = models.CharField(max_length=12)
    name = models.CharField(max_length=255)
    format_label = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField()
    uploaded_at = models.DateTimeField()
    acquired_at = models.DateTimeField(null=True)
    acquired_month = models.IntegerField(null=True, help_text="YYYYMM, for the month facet.")
    beam_kv = models.IntegerField(null=True, help_text="Beam energy rounded to the keV.")
    magnification_decade = models.SmallIntegerField(null=True, help_text="floor(log10(mag)).")
    pixel_size_decade = models.SmallIntegerField(null=True, help_text="floor(log10(m)).")
    tags = models.CharField(
        max_length=2000, blank=True, help_text='The dataset\'s tags as "|a|b|" (lower case).'
    )
    thumbnail = models.CharField(max_length=500, blank=True)
    text_a = models.TextField(blank=True)
    text_b = models.TextField(blank=True)
    text_c = models.TextField(blank=True)
    tree = models.JSONField(default=dict, blank=True)
    first_indexed_at = models.DateTimeField(auto_now_add=True)
    indexed_at = models.DateTimeField(auto_now=True)

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        db_table = "search_entry"
        verbose_name_plural = "search entries"
        indexes = [
            models.Index(fields=["dataset", "live"], name="search_entry_dataset"),
            models.Index(fields=["project"], name="search_entry_project"),
            models.Index(fields=["acquired_at"], name="search_entry_acquired"),
            models.Index(fields=["first_indexed_at"], name="search_entry_first_indexed"),
            models.Index(fields=["beam_energy"], name="search_entry_beam_energy"),
            models.Index(fields=["magnification"], name="search_entry_magnification"),
            models.Index(fields=["microscope"], name="search_entry_microscope"),
            GinIndex(fields=["tree"], name="search_entry_tree"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("files:detail", kwargs={"uid": self.file.uid})


def _schema_field(spec: FieldSpec) -> models.Field:
    if spec.kind is FieldKind.QUANTITY:
        return models.FloatField(spec.label, null=True, help_text=f"In {spec.unit}.")
    return models.CharField(spec.label, max_length=200, null=True)


for _spec in schema_columns():
    SearchEntry.add_to_class(_spec.key, _schema_field(_spec))


class SearchKeyQuerySet(models.QuerySet["SearchKey"]):
    def visible_to(self, user: AnyUser | None) -> SearchKeyQuerySet:
        """The keys of datasets ``user`` may see."""
        return self.filter(search_key_filter(user))


class SearchKey(models.Model):
    """A key of the flattened vendor tree that occurs in a dataset, with its value type, for the
    query box's typeahead (kept as files are indexed; never found by scanning the entries)."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    value_type = models.CharField(max_length=10)  # number, text, flag

    objects = SearchKeyQuerySet.as_manager()

    class Meta:
        db_table = "search_key"
        constraints = [
            models.UniqueConstraint(
                fields=["key", "dataset", "value_type"], name="search_key_once_per_dataset"
            )
        ]

    def __str__(self) -> str:
        return self.key


class SavedSearch(models.Model):
    """A query a user named and kept, and when they last looked at its results."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=1000, help_text="The query, in the search language.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_looked_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_name_once")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("search:saved-open", kwargs={"pk": self.pk})

    def owned_by(self, user: AnyUser | None) -> bool:
        """Is ``user`` the owner (the only one who sees a saved search)?"""
        actor = acting_user(user)
        return actor is not None and actor.pk == self.owner_id


class SearchTallyQuerySet(models.QuerySet["SearchTally"]):
    def visible_to(self, user: AnyUser | None) -> SearchTallyQuerySet:
        """The tallies of datasets ``user`` may see."""
        return self.filter(search_key_filter(user))


class SearchTally(models.Model):
    """How many live entries of a dataset have each value of each facet (``facet`` empty: all
    of them), rewritten with the dataset's entries: a query without words or filters sums the
    tallies of the datasets the user sees instead of counting a million entries."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="+")
    facet = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=200, blank=True)
    n = models.IntegerField()

    objects = SearchTallyQuerySet.as_manager()

    class Meta:
        db_table = "search_tally"
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "facet", "value"], name="search_tally_once_per_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}: {self.n}"
