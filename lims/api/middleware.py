"""Answers through the unversioned ``/api/…`` aliases say they are deprecated (RFC 9745
``Deprecation``, and a ``Link`` to the same resource under ``/api/v1/``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

LEGACY_NAMESPACE = "api-legacy"


class LegacyApiMiddleware:
    """Mark answers of the ``api-legacy`` URL namespace as deprecated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and LEGACY_NAMESPACE in match.namespaces:
            successor = "/api/v1/" + request.path.removeprefix("/api/")
            response["Deprecation"] = "true"
            response["Link"] = f'<{successor}>; rel="successor-version"'
        return response
