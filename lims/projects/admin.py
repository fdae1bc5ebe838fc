"""The admin of projects and memberships.

Deleting is left out here: deletion goes through the trash (``project_trash``), which keeps a
project restorable for a while, records it in the audit log, and purges its stored bytes.
Projects in the trash are not listed; the trash page shows them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lims.core.admin import ReadOnlyModelAdmin
from lims.projects.models import GroupMembership, Invitation, Membership, Project


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["group"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "visibility",
        "created_by",
        "created_at",
        "member_count",
        "dataset_count",
    ]
    list_filter = ["visibility", "created_at"]
    search_fields = ["name", "slug", "description", "created_by__username"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["created_by"]
    exclude = ["deleted_at", "deleted_by"]
    inlines = [MembershipInline, GroupMembershipInline]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return super().get_queryset(request).live()  # type: ignore[attr-defined]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="members")
    def member_count(self, obj: Project) -> int:
        return obj.memberships.count()

    @admin.display(description="datasets")
    def dataset_count(self, obj: Project) -> int:
        return obj.datasets.live().count()  # type: ignore[attr-defined]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role", "added_at"]
    list_filter = ["role", "project"]
    search_fields = ["project__name", "user__username", "user__email"]
    autocomplete_fields = ["project", "user"]
    list_select_related = ["project", "user"]


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "group", "role", "added_at"]
    list_filter = ["role", "project"]
    search_fields = ["project__name", "group__name"]
    autocomplete_fields = ["project", "group"]
    list_select_related = ["project", "group"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyModelAdmin):
    """Shown, not edited: an invitation is made and accepted through the project's pages (only
    its key's hash is stored, so one made here could never be sent)."""

    list_display = [
        "email",
        "project",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "project__name"]
    list_select_related = ["project", "invited_by"]
