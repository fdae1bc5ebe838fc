"""The admin of datasets and tags (deleting goes through the trash: see projects/admin.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lims.core.admin import ReadOnlyModelAdmin
from lims.datasets.models import Dataset, Publication, Tag


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "project",
        "visibility",
        "license",
        "created_by",
        "created_at",
        "modified_at",
    ]
    list_filter = ["visibility", "project", "tags", "created_at"]
    search_fields = ["title", "description", "uid", "project__name", "created_by__username"]
    readonly_fields = ["uid", "created_at", "modified_at"]
    autocomplete_fields = ["project", "created_by"]
    filter_horizontal = ["tags"]
    list_select_related = ["project", "created_by"]
    date_hierarchy = "created_at"
    exclude = ["deleted_at", "deleted_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dataset]:
        return super().get_queryset(request).live()  # type: ignore[attr-defined]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyModelAdmin):
    """What the OAI-PMH repository has offered; kept by the repository itself."""

    list_display = ["uid", "dataset", "public", "changed_at", "set_spec"]
    list_filter = ["public", "changed_at"]
    search_fields = ["uid", "set_spec", "dataset__title"]
    list_select_related = ["dataset"]
