"""The admin of files, runs, previews, companions and upload sessions.

Instrument files are not deleted here: deletion goes through the trash (``file_trash``), which
keeps them restorable for a while, records it in the audit log, and purges their bytes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lims.files.models import (
    CompanionFile,
    ExtractionRun,
    FolderImport,
    InstrumentFile,
    SignalPreview,
    UploadSession,
)


class CompanionInline(admin.TabularInline):
    model = CompanionFile
    extra = 0
    readonly_fields = [
        "original_name",
        "stored_file",
        "external_path",
        "size",
        "sha256",
        "added_at",
    ]
    can_delete = False


class RunInline(admin.TabularInline):
    model = ExtractionRun
    extra = 0
    fields = ["status", "extractor_version", "queued_at", "started_at", "finished_at", "message"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(InstrumentFile)
class InstrumentFileAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "dataset",
        "format_label",
        "status",
        "size",
        "instrument",
        "acquired_at",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["status", "format_label", "instrument", "extractor_version", "uploaded_at"]
    search_fields = ["original_name", "sha256", "uid", "dataset__title", "dataset__project__name"]
    readonly_fields = ["uid", "sha256", "size", "uploaded_at", "extractor_version"]
    autocomplete_fields = ["dataset", "uploaded_by", "instrument"]
    list_select_related = ["dataset", "instrument", "uploaded_by"]
    inlines = [CompanionInline, RunInline]
    date_hierarchy = "uploaded_at"
    exclude = ["deleted_at", "deleted_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InstrumentFile]:
        return super().get_queryset(request).live()  # type: ignore[attr-defined]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExtractionRun)
class ExtractionRunAdmin(admin.ModelAdmin):
    list_display = [
        "file",
        "status",
        "extractor_name",
        "extractor_version",
        "queued_at",
        "started_at",
        "finished_at",
        "attempts",
    ]
    list_filter = ["status", "extractor_version", "queued_at"]
    search_fields = ["file__original_name", "task_id", "message"]
    readonly_fields = ["queued_at"]
    autocomplete_fields = ["file", "requested_by"]
    list_select_related = ["file"]


@admin.register(SignalPreview)
class SignalPreviewAdmin(admin.ModelAdmin):
    list_display = ["file", "signal_index", "title", "kind"]
    list_filter = ["kind"]
    search_fields = ["file__original_name", "title"]
    autocomplete_fields = ["file"]
    list_select_related = ["file"]


@admin.register(CompanionFile)
class CompanionFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "parent", "size", "sha256", "added_at"]
    search_fields = ["original_name", "sha256", "parent__original_name"]
    list_filter = ["added_at"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(UploadSession)
class UploadSessionAdmin(admin.ModelAdmin):
    list_display = ["filename", "dataset", "created_by", "status", "size", "received", "updated_at"]
    list_filter = ["status", "duplicate", "created_at"]
    search_fields = ["filename", "uid", "sha256", "created_by__username", "dataset__title"]
    readonly_fields = ["uid", "received", "created_at", "updated_at"]
    autocomplete_fields = ["dataset", "created_by", "file"]
    list_select_related = ["dataset", "created_by"]


@admin.register(FolderImport)
class FolderImportAdmin(admin.ModelAdmin):
    list_display = [
        "root",
        "project",
        "dataset_title",
        "imported",
        "duplicates",
        "failed",
        "started_at",
        "finished_at",
    ]
    list_filter = ["in_place", "per_folder", "started_at", "finished_at"]
    search_fields = ["root", "dataset_title", "project__slug"]
    readonly_fields = ["position", "started_at", "updated_at"]
    autocomplete_fields = ["project", "user"]
    list_select_related = ["project"]
