"""Helpers of the pages' forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


def show_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where it can."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def message_errors(request: HttpRequest, form: Form) -> None:
    """Tell a form's errors as messages, for forms posted from another page than their own."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
