"""Admin bases shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

__all__ = ["ReadOnlyModelAdmin"]


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """An admin that shows rows but never adds, changes or deletes them: for records the
    database guards (the audit log) or that are derived and rebuilt (the search index)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
