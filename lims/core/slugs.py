"""Unique identifiers made from names, for URLs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(taken: QuerySet[Any], name: str, *, field: str = "slug", fallback: str) -> str:
    """A slug of ``name`` that no row of ``taken`` has in ``field`` (``-2``, ``-3``… appended
    when needed; ``fallback`` when the name has no letter a slug can keep)."""
    base = slugify(name)[:90] or fallback
    slug, n = base, 2
    while taken.filter(**{f"{field}__iexact": slug}).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
