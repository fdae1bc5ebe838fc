"""The FilterSet of instruments."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from lims.core.filters import SortFilter, query_text
from lims.instruments.models import Instrument

INSTRUMENT_SORTS = {"name": ["name", "id"], "vendor": ["vendor", "name", "id"]}


class InstrumentFilterSet(django_filters.FilterSet):
    """Filters and sort order of the instrument list."""

    q = django_filters.CharFilter(method="filter_text", help_text="Words in name, vendor, model.")
    active = django_filters.BooleanFilter(help_text="In service (true) or retired (false).")
    sort = SortFilter(orderings=INSTRUMENT_SORTS, default="name")

    class Meta:
        model = Instrument
        fields = ["q", "active", "sort"]

    def filter_text(
        self, queryset: QuerySet[Instrument], name: str, value: str
    ) -> QuerySet[Instrument]:
        value = query_text(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(vendor__icontains=value) | Q(model__icontains=value)
        )
