"""Rate limits: per token (a script's budget does not eat its owner's other scripts'), per
signed-in user for browser sessions, per address for anonymous callers. A client over its
limit is told 429 with ``Retry-After`` (seconds)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from lims.accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """``LIMS_API_RATE`` requests per token (or per session user)."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None  # AnonymousRateThrottle's
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    """``LIMS_API_ANON_RATE`` requests per client address without credentials."""
