from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lims.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Sign-ins are Django's signals: connect the receivers that record them.
        from lims.audit import receivers  # noqa: F401
