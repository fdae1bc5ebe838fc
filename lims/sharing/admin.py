from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lims.sharing.models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Read-only: links are made and revoked on the dataset page (which records it)."""

    list_display = ["__str__", "key_hint", "created_by", "created_at", "expires_at", "revoked_at"]
    list_filter = ["target", "created_at", "expires_at"]
    search_fields = ["label", "key_hint", "dataset__title"]
    list_select_related = ["dataset", "created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
