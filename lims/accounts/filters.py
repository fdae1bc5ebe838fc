"""The FilterSet of people (the facility's people page)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from lims.accounts.models import User
from lims.core.filters import SortFilter, query_text

USER_SORTS: dict[str, list[Any]] = {
    "username": ["username", "id"],
    "joined": ["date_joined", "id"],
    "last_login": ["last_login", "id"],
}


class UserFilterSet(django_filters.FilterSet):
    """Filters and sort order of lists of people."""

    q = django_filters.CharFilter(method="filter_text", help_text="Words in names or e-mail.")
    is_active = django_filters.BooleanFilter()
    sort = SortFilter(orderings=USER_SORTS, default="username")

    class Meta:
        model = User
        fields = ["q", "is_active", "sort"]

    def filter_text(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = query_text(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )
