"""Shared pieces of the FilterSets that both the HTML lists and the API use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django import forms
from django.db.models import OrderBy, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

#: Longer search text is cut: nobody types more, and it keeps queries cheap.
MAX_QUERY_LENGTH = 200


def query_text(value: str | None) -> str:
    """Search text as the database may see it: no NUL characters (PostgreSQL refuses them
    in strings), trimmed, at most MAX_QUERY_LENGTH characters."""
    return (value or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def descending(order: Sequence[Any]) -> list[Any]:
    """The same ordering, reversed; expressions keep their NULLs last."""
    flipped: list[Any] = []
    for item in order:
        if isinstance(item, str):
            flipped.append(item[1:] if item.startswith("-") else f"-{item}")
        elif isinstance(item, OrderBy):
            flipped.append(
                OrderBy(item.expression, descending=not item.descending, nulls_last=True)
            )
        else:
            flipped.append(item.desc(nulls_last=True))
    return flipped


@extend_schema_field(OpenApiTypes.STR)
class SortFilter(django_filters.Filter):
    """``?sort=key`` (ascending) or ``?sort=-key`` (descending) among named orderings.

    Each key stands for a list of fields or expressions (with a unique tie-breaker last, so
    pages never overlap); an unknown or missing key sorts by ``default``.
    """

    field_class = forms.CharField

    def __init__(self, *, orderings: dict[str, Sequence[Any]], default: str, **kwargs: Any):
        keys = ", ".join(f"`{key}`" for key in orderings)
        kwargs.setdefault("help_text", f"Sort by {keys}; prefix with `-` for descending.")
        super().__init__(**kwargs)
        self.orderings = orderings
        self.default = default

    def key(self, value: str | None) -> str:
        """The sort key that applies to ``value`` (the default when it is not one)."""
        value = (value or "").strip()
        return value if value.lstrip("-") in self.orderings else self.default

    def filter(self, qs: QuerySet[Any], value: str | None) -> QuerySet[Any]:
        key = self.key(value)
        order = self.orderings[key.lstrip("-")]
        return qs.order_by(*(descending(order) if key.startswith("-") else order))
