"""The one FilterSet of projects, used by the project lists (people's and the facility's)
and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from lims.core.filters import SortFilter, query_text
from lims.projects.models import Project

PROJECT_SORTS: dict[str, list[Any]] = {
    "name": ["name", "id"],
    "created": ["created_at", "id"],
}


class ProjectFilterSet(django_filters.FilterSet):
    """Filters and sort order of project lists."""

    q = django_filters.CharFilter(method="filter_text", help_text="Words in the name or slug.")
    visibility = django_filters.CharFilter(help_text="public, internal or private.")
    sort = SortFilter(orderings=PROJECT_SORTS, default="name")

    class Meta:
        model = Project
        fields = ["q", "visibility", "sort"]

    def filter_text(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        value = query_text(value)
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))
