"""Errors as JSON: DRF's own, plus a service's Django ``ValidationError`` as a 400 (a
service refuses bad input with it; it is never a server error)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with Django's ValidationError (from a service) answered 400: field
    errors by field, others under ``detail``."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    return drf_exception_handler(exc, context)
