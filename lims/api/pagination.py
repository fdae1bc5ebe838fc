"""Pagination of the API's lists.

Files (the longest lists: millions of rows) are paged by cursor: each page is found by an
index range from where the last one ended, however deep, and stays stable while files are
added. The cursor follows ``?sort=`` for the sorts that are plain columns (name, size,
uploaded); the others (by a metadata key, by acquisition date, whose NULLs a cursor cannot
cross) are paged by number. Both answers have ``next``, ``previous`` and ``results``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from lims.files.filters import InstrumentFileFilterSet

#: Sorts of ``InstrumentFileFilterSet`` a cursor can follow (column, then a unique tie-breaker).
CURSOR_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("original_name", "id"),
    "size": ("size", "id"),
    "uploaded": ("uploaded_at", "id"),
}


class PageNumbers(PageNumberPagination):
    """``?page=N`` and ``?page_size=`` (at most 1000), with the total ``count``."""

    page_size_query_param = "page_size"
    max_page_size = 1000


class FileCursorPagination(CursorPagination):
    """``?cursor=`` from the ``next``/``previous`` links, ``?page_size=`` (at most 1000)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = CURSOR_SORTS["name"]

    def _sort(self, request: Request) -> str:
        sort = InstrumentFileFilterSet.base_filters["sort"]
        return sort.key(request.query_params.get("sort"))  # type: ignore[attr-defined,no-any-return]

    def get_ordering(self, request: Request, queryset: Any, view: Any = None) -> tuple[str, ...]:
        key = self._sort(request)
        fields = CURSOR_SORTS[key.lstrip("-")]
        return tuple(f"-{f}" for f in fields) if key.startswith("-") else fields

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.numbers: PageNumbers | None = None
        if self._sort(request).lstrip("-") not in CURSOR_SORTS:
            self.numbers = PageNumbers()
            self.numbers.page_size = self.page_size
            return self.numbers.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        if self.numbers is not None:
            return self.numbers.get_paginated_response(data)
        return super().get_paginated_response(data)
