from __future__ import annotations

from django.contrib import admin

from lims.comments.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author", "dataset", "file", "short_body", "created_at", "edited_at"]
    list_filter = ["created_at"]
    search_fields = ["body", "author__username", "dataset__title", "file__original_name"]
    autocomplete_fields = ["author", "dataset", "file"]
    list_select_related = ["author", "dataset", "file"]

    @admin.display(description="comment")
    def short_body(self, obj: Comment) -> str:
        return obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"
