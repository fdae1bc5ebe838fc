"""API authentication by personal token: ``Authorization: Token <key>`` (or ``Bearer``).

Wrong keys are counted per client address: after ``LIMS_API_TOKEN_FAILURES`` of them within
``LIMS_API_TOKEN_FAILURE_WINDOW`` seconds, every token request from that address is refused
with 429 and ``Retry-After`` until the window has passed (guessing keys is slowed to a crawl;
the count lives in the cache, Redis in production, so every web process shares it).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from lims.accounts.tokens import token_for_key


def _failures_key(request: Request) -> str:
    return f"lims:api-token-failures:{BaseThrottle().get_ident(request)}"


def _refuse_while_blocked(request: Request) -> None:
    """429 when the client's address sent too many wrong keys in the current window."""
    key = _failures_key(request)
    if cache.get(f"{key}:n", 0) >= settings.LIMS_API_TOKEN_FAILURES:
        since = cache.get(f"{key}:since", time.time())
        wait = max(since + settings.LIMS_API_TOKEN_FAILURE_WINDOW - time.time(), 1)
        raise exceptions.Throttled(
            wait=wait,
            detail=str(_("Too many wrong API tokens from your address; try again later.")),
        )


def _count_failure(request: Request) -> None:
    key, window = _failures_key(request), settings.LIMS_API_TOKEN_FAILURE_WINDOW
    cache.add(f"{key}:since", time.time(), window)  # the window opens at the first failure
    cache.add(f"{key}:n", 0, window)
    try:
        cache.incr(f"{key}:n")  # atomic, also when several web processes count
    except ValueError:  # the window closed in between
        cache.set(f"{key}:n", 1, window)


def _failed(request: Request, message: Any) -> exceptions.AuthenticationFailed:
    _count_failure(request)
    return exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(BaseAuthentication):
    """Find the token by the hash of the key sent; expired tokens, revoked ones and those
    of deactivated users are refused with 401. ``request.auth`` is the :class:`ApiToken`."""

    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        _refuse_while_blocked(request)
        if len(parts) != 2:
            raise _failed(request, _("Invalid token header: send 'Authorization: Token <key>'."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise _failed(request, _("Invalid token.")) from error
        token = token_for_key(key)
        if token is None:
            raise _failed(request, _("Invalid, expired or revoked token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"
