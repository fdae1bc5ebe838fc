from __future__ import annotations

from django.contrib import admin

from lims.ops.models import FixityCursor, FixityProblem


@admin.register(FixityProblem)
class FixityProblemAdmin(admin.ModelAdmin):
    list_display = ["location", "kind", "detected_at", "last_seen_at", "resolved_at"]
    list_filter = ["kind", "resolved_at"]
    raw_id_fields = ["file", "companion"]
    readonly_fields = ["detected_at", "last_seen_at"]


@admin.register(FixityCursor)
class FixityCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "files_checked", "pass_started_at", "last_pass_finished_at"]
