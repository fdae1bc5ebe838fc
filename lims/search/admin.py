"""The search tables in the admin: the index and the typeahead keys are derived data (kept by
indexing, rebuilt with ``manage.py search_reindex``), so they are shown read-only; saved
searches belong to their owners and may be looked at or removed."""

from __future__ import annotations

from django.contrib import admin

from lims.core.admin import ReadOnlyModelAdmin
from lims.search.models import SavedSearch, SearchEntry, SearchKey, SearchTally


@admin.register(SearchEntry)
class SearchEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "project", "dataset", "status", "format_label", "live", "indexed_at"]
    list_filter = ["live", "status"]
    search_fields = ["name", "uid"]
    list_select_related = ["project", "dataset"]
    show_full_result_count = False


@admin.register(SearchKey)
class SearchKeyAdmin(ReadOnlyModelAdmin):
    list_display = ["key", "value_type", "dataset"]
    list_filter = ["value_type"]
    search_fields = ["key"]
    list_select_related = ["dataset"]


@admin.register(SearchTally)
class SearchTallyAdmin(ReadOnlyModelAdmin):
    list_display = ["dataset", "facet", "value", "n"]
    list_filter = ["facet"]
    search_fields = ["value"]
    list_select_related = ["dataset"]


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "query", "created_at", "last_looked_at"]
    search_fields = ["name", "query", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
