from __future__ import annotations

from django.contrib import admin

from lims.audit.models import AuditEvent
from lims.core.admin import ReadOnlyModelAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the database refuses changes to the audit log anyway."""

    list_display = ["at", "actor_name", "action", "target_type", "target_label", "ip_address"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["actor_name", "target_label", "target_id"]
    date_hierarchy = "at"
