"""Sign-ins, recorded from Django's own signals (password, single sign-on, any backend)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from lims.audit.context import client_address
from lims.audit.models import AuditAction
from lims.audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="lims.audit.sign_in")
def record_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    backend = getattr(user, "backend", "") or ""
    audit_record(
        action=AuditAction.SIGN_IN,
        actor=user,
        detail={"backend": backend.rsplit(".", 1)[-1]},
        ip_address=client_address(request) if request is not None else None,
    )


@receiver(user_login_failed, dispatch_uid="lims.audit.sign_in_failed")
def record_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``; only the name tried is kept.
    tried = str(credentials.get("username") or "")[:150]
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        actor=None,
        detail={"username": tried},
        ip_address=client_address(request) if request is not None else None,
    )
