"""The search page (results as a table or a gallery, facets, chips), its exports, the vendor-key
typeahead and saved searches. Every read goes through :mod:`lims.search.services`, which starts
from the entries the permission seam lets the user see."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from extraction.display import format_value
from extraction.schema import field_spec
from lims.search.facets import FACETS, facet_filter_names
from lims.search.language import clean
from lims.search.models import SavedSearch
from lims.search.services import (
    COLUMNS,
    DEFAULT_COLUMNS,
    SearchHit,
    export_header,
    export_rows,
    saved_search_create,
    saved_search_delete,
    saved_search_look,
    saved_search_news,
    search_run,
    vendor_keys,
)

#: Query examples shown on the empty search page.
EXAMPLES = (
    "graphene",
    "200 kV",
    "microscope:titan technique:STEM",
    "kv:200..300 mag:>1M",
    "acquired:2024-03.. kind:image",
    '"ImageTags.Microscope Info.Voltage" >= 200000',
)
GALLERY_PAGE_SIZE = 48


def _cell(entry: SearchHit, key: str) -> str:
    column = COLUMNS[key]
    value: Any = entry
    for part in column.path.split("__"):
        value = getattr(value, part, None) if value is not None else None
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if key in ("beam_energy", "magnification", "pixel_size", "exposure_time"):
        return format_value(field_spec(key), value)
    if key == "size":
        return format_value(field_spec("file_size"), value)
    if key in ("technique", "kind"):
        return field_spec(key).choice_label(value)
    return str(value)


def _columns(request: HttpRequest) -> list[str]:
    chosen = [c for c in request.GET.getlist("col") if c in COLUMNS]
    return chosen or list(DEFAULT_COLUMNS)


def _url(params: dict[str, Any]) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)


def search(request: HttpRequest) -> HttpResponse:
    """One box for words and fields; facets beside the results; a table or a gallery."""
    text = clean(request.GET.get("q"))
    view = "gallery" if request.GET.get("view") == "gallery" else "table"
    columns = _columns(request)
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    result = search_run(
        user=request.user,
        text=text,
        sort=request.GET.get("sort"),
        page=page,
        page_size=GALLERY_PAGE_SIZE if view == "gallery" else 50,
        facets=facet_filter_names(request.GET.get("facets")),
    )
    keep = {"view": view if view != "table" else None, "col": request.GET.getlist("col")}
    keep_sort = {**keep, "sort": request.GET.get("sort")}

    def with_query(query: str, **extra: Any) -> str:
        return _url({"q": query, **keep_sort, **extra})

    facets = []
    for name, values in result.facets.items():
        if not values:
            continue
        links = []
        for value in values:
            if value.selected:
                remaining = [
                    without
                    for condition, without in result.query.chips()
                    if condition.field_name == FACETS[name].field
                    and condition.value.lower() == value.token.partition(":")[2].strip('"').lower()
                ]
                href = with_query(remaining[0] if remaining else text)
            else:
                href = with_query(f"{text} {value.token}".strip())
            links.append({"value": value, "href": href})
        facets.append({"name": name, "label": FACETS[name].label, "values": links})
    rows = [
        {"entry": entry, "cells": [_cell(entry, key) for key in columns]}
        for entry in result.entries
    ]
    context = {
        "search_query": text,
        "result": result,
        "rows": rows,
        "columns": [
            {
                "key": key,
                "label": COLUMNS[key].label,
                "href": with_query(
                    text, **{**keep, "sort": f"-{key}" if result.sort == key else key}
                ),
                "aria": {key: "ascending", f"-{key}": "descending"}.get(result.sort, ""),
            }
            for key in columns
        ],
        "all_columns": COLUMNS.values(),
        "chosen_columns": columns,
        "view": view,
        "facets": facets,
        "chips": [
            {"label": c.label, "href": with_query(without)} for c, without in result.query.chips()
        ],
        "problems": [
            {"message": p.message, "href": with_query(p.suggestion) if p.suggestion else ""}
            for p in result.query.problems
        ],
        "examples": [(e, with_query(e)) for e in EXAMPLES],
        "table_url": _url({"q": text, "col": keep["col"], "sort": keep_sort["sort"]}),
        "gallery_url": _url({"q": text, "view": "gallery", "sort": keep_sort["sort"]}),
        "export_csv": "?" + urlencode({"q": text, "sort": result.sort}),
        "previous_url": with_query(text, page=result.page - 1, **keep) if result.page > 1 else "",
        "next_url": with_query(text, page=result.page + 1, **keep)
        if result.page < result.pages
        else "",
        "first_shown": (result.page - 1) * result.page_size + 1,
        "last_shown": (result.page - 1) * result.page_size + len(result.entries),
    }
    if request.htmx:
        return render(request, "search/_results.html", context)
    return render(request, "search/page.html", context)


class _Echo:
    """A file-like object whose ``write`` returns the line (for streaming the CSV writer)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(request: HttpRequest) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(export_header())
    for row in export_rows(
        user=request.user, text=request.GET.get("q"), sort=request.GET.get("sort")
    ):
        yield writer.writerow([v.isoformat() if isinstance(v, dt.datetime) else v for v in row])


def _json_lines(request: HttpRequest) -> Iterator[str]:
    header = export_header()
    yield "[\n"
    first = True
    for row in export_rows(
        user=request.user, text=request.GET.get("q"), sort=request.GET.get("sort")
    ):
        record = dict(zip(header, row, strict=True))
        text = json.dumps(record, default=str)
        yield text if first else ",\n" + text
        first = False
    yield "\n]\n"


@require_GET
def search_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The whole result as CSV or JSON, streamed (constant memory however many rows)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(request), content_type="text/csv")
    else:
        response = StreamingHttpResponse(_json_lines(request), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="search-{stamp}.{fmt}"'
    return response


@require_GET
def search_keys(request: HttpRequest) -> JsonResponse:
    """The vendor keys (and their value types) that contain the typed text, among the datasets
    the user may see: the query box's typeahead."""
    keys = vendor_keys(user=request.user, prefix=request.GET.get("prefix") or "")
    return JsonResponse({"keys": [{"key": key, "type": kind} for key, kind in keys]})


@login_required
def saved_searches(request: HttpRequest) -> HttpResponse:
    """The user's saved searches with how many files are new since they last looked; a POST
    keeps the current query under a name."""
    if request.method == "POST":
        query = clean(request.POST.get("q"))
        try:
            saved = saved_search_create(
                user=request.user, name=request.POST.get("name") or "", query=query
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_back_to_search(query))
        messages.success(request, f"Saved the search “{saved.name}”.")
        return redirect("search:saved")
    saved = list(SavedSearch.objects.filter(owner=request.user))
    items = [{"saved": s, "new": saved_search_news(user=request.user, saved=s)} for s in saved]
    return render(request, "search/saved.html", {"items": items})


def _back_to_search(query: str) -> str:
    from django.urls import reverse

    return reverse("search") + "?" + urlencode({"q": query})


@login_required
def saved_search_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a saved search: its results, and from now on nothing in it is new."""
    saved = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    saved_search_look(user=request.user, saved=saved)
    return redirect(_back_to_search(saved.query))


@login_required
@require_POST
def saved_search_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Forget a saved search."""
    saved = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    saved_search_delete(user=request.user, saved=saved)
    messages.success(request, f"Deleted the saved search “{saved.name}”.")
    return redirect("search:saved")
