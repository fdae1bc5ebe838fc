from __future__ import annotations

from django.contrib import admin

from lims.datasets.models import Dataset, Tag


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


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
