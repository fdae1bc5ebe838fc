from __future__ import annotations

from django.contrib import admin

from lims.notes.models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "unit", "dataset", "file", "created_by", "updated_at"]
    search_fields = ["key", "value"]
    raw_id_fields = ["dataset", "file", "created_by", "updated_by"]
