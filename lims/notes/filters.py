"""The FilterSet of notes (user metadata) for the API's list."""

from __future__ import annotations

import django_filters

from lims.core.filters import SortFilter
from lims.notes.models import Note


class NoteFilterSet(django_filters.FilterSet):
    """Notes on one dataset itself or one file, or with one key."""

    dataset = django_filters.UUIDFilter(
        field_name="dataset__uid", help_text="Notes on this dataset itself."
    )
    file = django_filters.UUIDFilter(field_name="file__uid", help_text="Notes on this file.")
    key = django_filters.CharFilter(field_name="key", lookup_expr="iexact", help_text="The key.")
    sort = SortFilter(
        orderings={"key": ["key", "id"], "updated": ["updated_at", "id"]}, default="key"
    )

    class Meta:
        model = Note
        fields = ["dataset", "file", "key", "sort"]
