from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lims.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes to the audit log anyway."""

    list_display = ["at", "actor_name", "action", "target_type", "target_label", "ip_address"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["actor_name", "target_label", "target_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
