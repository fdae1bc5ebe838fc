"""The FilterSet of audit events (the facility's audit page, a project's, their CSV exports)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from lims.audit.models import AuditAction, AuditEvent
from lims.core.filters import SortFilter, query_text

AUDIT_SORTS: dict[str, list[Any]] = {"at": ["at", "id"]}


class AuditEventFilterSet(django_filters.FilterSet):
    """Filters of the audit log: what, who, which project, when, and words in the target."""

    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    actor = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="iexact", help_text="A user name."
    )
    project = django_filters.NumberFilter(field_name="project_id")
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte")
    q = django_filters.CharFilter(method="filter_text", help_text="Words in the target's name.")
    sort = SortFilter(orderings=AUDIT_SORTS, default="-at")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "project", "since", "until", "q", "sort"]

    def filter_text(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        value = query_text(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(target_label__icontains=value)
            | Q(target_id__iexact=value)
            | Q(actor_name__icontains=value)
        )
