"""API tokens on the pages that serve bytes, through DRF's own authentication classes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.settings import api_settings


def api_authenticated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let ``view`` be used with an API token as well as a signed-in session.

    The download and image URLs that API answers hand out are plain pages, so scripts fetch
    them with ``Authorization: Token …``. The request is authenticated exactly as the API
    authenticates it (``DEFAULT_AUTHENTICATION_CLASSES``): a wrong token is a 401, not a
    silent fall-back to an anonymous user.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authenticators = [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
        try:
            request.user = Request(request, authenticators=authenticators).user
        except AuthenticationFailed as exc:
            response = JsonResponse({"detail": str(exc.detail)}, status=401)
            header = authenticators[0].authenticate_header(request) if authenticators else None
            if header:
                response["WWW-Authenticate"] = header
            return response
        return view(request, *args, **kwargs)

    return wrapper
