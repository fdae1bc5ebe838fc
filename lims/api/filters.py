"""Filters of the API lists."""

from __future__ import annotations

import django_filters

from lims.datasets.models import Dataset
from lims.files.models import ExtractionStatus, InstrumentFile


class DatasetFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__slug", help_text="Project slug.")

    class Meta:
        model = Dataset
        fields = ["project"]


class InstrumentFileFilter(django_filters.FilterSet):
    dataset = django_filters.UUIDFilter(field_name="dataset__uid", help_text="Dataset uid.")
    project = django_filters.CharFilter(
        field_name="dataset__project__slug", help_text="Project slug."
    )
    status = django_filters.ChoiceFilter(choices=ExtractionStatus.choices)
    format = django_filters.CharFilter(field_name="format_label", help_text='"tia/emi", ….')
    sha256 = django_filters.CharFilter(help_text="Find a file by its checksum.")

    class Meta:
        model = InstrumentFile
        fields = ["dataset", "project", "status", "format", "sha256"]
