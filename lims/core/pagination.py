"""Paginating the HTML lists (the API paginates with DRF's own classes)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> dict[str, Any]:
    """``page_obj`` and a short ``page_range`` (with ellipses) for the pagination partial."""
    paginator = Paginator(queryset, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_range = list(paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1))
    return {"page_obj": page_obj, "page_range": page_range}
