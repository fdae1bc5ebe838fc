"""The one FilterSet of instrument files, used by the dataset page, the search page, the
instrument page and the API's file list alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import NullIf

from lims.core.filters import SortFilter, query_text
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile, RunStatus


def metadata_text(key: str) -> NullIf:
    """A key of the normalized metadata as text in SQL; a JSON null stays NULL (SQLite, the
    embedded default, would otherwise give the text 'null')."""
    return NullIf(KeyTextTransform(key, "metadata"), Value("null", output_field=TextField()))


#: ``?sort=`` keys of file lists and the ordering each stands for (``id`` breaks ties).
FILE_SORTS: dict[str, list[Any]] = {
    "name": ["folder", "original_name", "id"],
    "type": ["format_label", "original_name", "id"],
    "acquired": [F("acquired_at").asc(nulls_last=True), "original_name", "id"],
    "microscope": [metadata_text("microscope").asc(nulls_last=True), "original_name", "id"],
    "kind": [metadata_text("kind").asc(nulls_last=True), "original_name", "id"],
    "size": ["size", "id"],
    "status": ["status", "original_name", "id"],
    "uploaded": ["uploaded_at", "id"],
}


class InstrumentFileFilterSet(django_filters.FilterSet):
    """Filters and sort order of instrument-file lists (query parameters of page and API)."""

    dataset = django_filters.UUIDFilter(field_name="dataset__uid", help_text="Dataset uid.")
    project = django_filters.CharFilter(
        field_name="dataset__project__slug", help_text="Project slug."
    )
    status = django_filters.ChoiceFilter(choices=ExtractionStatus.choices)
    file_format = django_filters.CharFilter(
        field_name="format_label", help_text='The file\'s type, e.g. "tia/emi".'
    )
    sha256 = django_filters.CharFilter(help_text="Find a file by its checksum.")
    folder = django_filters.CharFilter(
        field_name="folder",
        help_text='Files directly in this folder of their dataset ("" is not a filter; '
        'folders are "/"-separated, e.g. "2D/tilt series").',
    )
    instrument = django_filters.NumberFilter(field_name="instrument_id", help_text="Instrument id.")
    kind = django_filters.CharFilter(
        field_name="metadata__kind", help_text='The primary signal\'s kind, e.g. "image".'
    )
    q = django_filters.CharFilter(
        method="filter_text",
        help_text="Words in the file name, type, microscope or instrument.",
    )
    sort = SortFilter(orderings=FILE_SORTS, default="name")

    class Meta:
        model = InstrumentFile
        fields = [
            "dataset",
            "project",
            "status",
            "file_format",
            "sha256",
            "folder",
            "instrument",
            "kind",
            "q",
            "sort",
        ]

    def filter_text(
        self, queryset: QuerySet[InstrumentFile], name: str, value: str
    ) -> QuerySet[InstrumentFile]:
        value = query_text(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(original_name__icontains=value)
            | Q(format_label__icontains=value)
            | Q(metadata__microscope__icontains=value)
            | Q(instrument__name__icontains=value)
        )


class ExtractionRunFilterSet(django_filters.FilterSet):
    """Extraction runs of one file, dataset or status, newest first."""

    file = django_filters.UUIDFilter(field_name="file__uid", help_text="The file's uid.")
    dataset = django_filters.UUIDFilter(field_name="file__dataset__uid", help_text="Dataset uid.")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    sort = SortFilter(orderings={"queued": ["queued_at", "id"]}, default="-queued")

    class Meta:
        model = ExtractionRun
        fields = ["file", "dataset", "status", "sort"]
