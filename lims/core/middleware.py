"""Middleware that turns a malformed query into a clear 400 before any view reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

NUL_IN_QUERY = "The query contains a NUL character (%00), which no search or filter can hold."


class QueryStringMiddleware:
    """Refuse a query string carrying a NUL character with a 400 that says why.

    PostgreSQL text cannot hold NUL: every search, filter and sort that passed one on (the
    pages' ``?q=%00``, reachable anonymously) would fail with a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", "") and any(
            "\x00" in key or any("\x00" in item for item in items)
            for key, items in request.GET.lists()
        ):
            return JsonResponse({"detail": NUL_IN_QUERY}, status=400)
        return self.get_response(request)
