"""The client address of the request being served, for the events it causes.

Services record events without being handed the request (they are called from views, the
API, commands and tasks alike); :class:`AuditContextMiddleware` keeps the address of the
current request in a context variable, which :func:`lims.audit.services.audit_record` reads.
Outside a request (a command, a worker) it is None.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_client_address: ContextVar[str | None] = ContextVar("lims_audit_client_address", default=None)


def client_address(request: HttpRequest | None = None) -> str | None:
    """The address the request came from (``REMOTE_ADDR``: the proxy's own when nginx is in
    front without a real-IP module), or the current request's when ``request`` is None."""
    if request is None:
        return _client_address.get()
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AuditContextMiddleware:
    """Remember the client's address while the request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _client_address.reset(token)
