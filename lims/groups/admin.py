from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from lims.groups.models import ResearchGroup


@admin.register(ResearchGroup)
class ResearchGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_count", "created_at"]
    search_fields = ["name", "slug", "description", "members__username"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["members"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResearchGroup]:
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description="members", ordering="n_members")
    def member_count(self, obj: ResearchGroup) -> int:
        return obj.n_members  # type: ignore[attr-defined]
