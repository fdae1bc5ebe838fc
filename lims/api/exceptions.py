"""Errors as JSON: DRF's own, plus a service's Django ``ValidationError`` as a 400 (a
service refuses bad input with it; it is never a server error)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _words(errors: Any) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{field}: {_words(value)}" for field, value in errors.items())
    if isinstance(errors, list):
        return " ".join(_words(value) for value in errors)
    return str(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with Django's ValidationError (from a service) answered 400, and every
    error body an object with ``detail`` in words (field errors stay under their fields)."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(response.data, list):
            response.data = {"detail": _words(response.data)}
        elif isinstance(response.data, dict) and "detail" not in response.data:
            response.data = {"detail": _words(response.data), **response.data}
        elif isinstance(response.data, dict) and not isinstance(response.data["detail"], str):
            response.data["detail"] = _words(response.data["detail"])
    return response
