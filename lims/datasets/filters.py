"""The one FilterSet of datasets, used by the HTML lists and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from lims.core.filters import SortFilter, query_text
from lims.datasets.models import Dataset

DATASET_SORTS: dict[str, list[Any]] = {
    "created": ["created_at", "id"],
    "title": ["title", "id"],
    "modified": ["modified_at", "id"],
}


class DatasetFilterSet(django_filters.FilterSet):
    """Filters and sort order of dataset lists."""

    project = django_filters.CharFilter(field_name="project__slug", help_text="Project slug.")
    tag = django_filters.CharFilter(
        field_name="tags__name", distinct=True, help_text="A tag, e.g. graphene."
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text="Words in the title, description, tags or project name."
    )
    sort = SortFilter(orderings=DATASET_SORTS, default="-created")

    class Meta:
        model = Dataset
        fields = ["project", "tag", "q", "sort"]

    def filter_text(self, queryset: QuerySet[Dataset], name: str, value: str) -> QuerySet[Dataset]:
        value = query_text(value)
        if not value:
            return queryset
        matching = Dataset.objects.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(tags__name__icontains=value)
            | Q(project__name__icontains=value)
        ).values("pk")
        return queryset.filter(pk__in=matching)
