from __future__ import annotations

from django.contrib import admin

from lims.projects.models import Membership, Project


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


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
    inlines = [MembershipInline]
    date_hierarchy = "created_at"

    @admin.display(description="members")
    def member_count(self, obj: Project) -> int:
        return obj.memberships.count()

    @admin.display(description="datasets")
    def dataset_count(self, obj: Project) -> int:
        return obj.datasets.count()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role", "added_at"]
    list_filter = ["role", "project"]
    search_fields = ["project__name", "user__username", "user__email"]
    autocomplete_fields = ["project", "user"]
    list_select_related = ["project", "user"]
