"""Views shared by the whole site."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from lims.datasets.models import Dataset
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.projects.models import Membership


def health(request: HttpRequest) -> JsonResponse:
    """A liveness probe for load balancers: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- Pages shared by the whole site -----------------------------------------------------------

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> dict[str, Any]:
    """``page_obj`` and a short ``page_range`` (with ellipses) for the pagination partial."""
    paginator = Paginator(queryset, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_range = list(paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1))
    return {"page_obj": page_obj, "page_range": page_range}


def home(request: HttpRequest) -> HttpResponse:
    """My projects, recent datasets and my files that are still extracting or failed."""
    user = request.user
    context: dict[str, Any] = {
        "recent_datasets": Dataset.objects.visible_to(user)
        .select_related("project", "created_by")
        .annotate(n_files=Count("files"))
        .order_by("-created_at")[:8]
    }
    if user.is_authenticated:
        mine = Membership.objects.filter(user_id=user.pk).values("project_id")
        context["memberships"] = (
            Membership.objects.filter(user_id=user.pk)
            .select_related("project")
            .annotate(n_datasets=Count("project__datasets", distinct=True))
            .order_by("project__name")
        )
        context["attention_files"] = (
            InstrumentFile.objects.visible_to(user)
            .filter(
                status__in=[
                    ExtractionStatus.PENDING,
                    ExtractionStatus.RUNNING,
                    ExtractionStatus.FAILED,
                ]
            )
            .filter(Q(uploaded_by_id=user.pk) | Q(dataset__project_id__in=mine))
            .select_related("dataset")
            .defer("metadata", "signals", "original_metadata")
            .order_by("-uploaded_at")[:15]
        )
        context["attention_live"] = any(
            f.status != ExtractionStatus.FAILED for f in context["attention_files"]
        )
        if request.htmx and request.GET.get("partial") == "attention":
            return render(request, "core/_attention.html", context)
    return render(request, "core/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """A simple search over the datasets and files the user may see.

    Matches dataset titles, descriptions and tags; file names, type labels, microscopes and
    instruments. The faceted search replaces it later; this one works now.
    """
    query = request.GET.get("q", "").strip()[:200]
    context: dict[str, Any] = {"search_query": query}
    if query:
        datasets = (
            Dataset.objects.visible_to(request.user)
            .filter(
                Q(title__icontains=query)
                | Q(description__icontains=query)
                | Q(tags__name__icontains=query)
                | Q(project__name__icontains=query)
            )
            .distinct()
            .select_related("project", "created_by")
            .annotate(n_files=Count("files", distinct=True))
            .order_by("-created_at")
        )
        files = (
            InstrumentFile.objects.visible_to(request.user)
            .filter(
                Q(original_name__icontains=query)
                | Q(format_label__icontains=query)
                | Q(metadata__microscope__icontains=query)
                | Q(instrument__name__icontains=query)
            )
            .select_related("dataset", "instrument")
            .defer("signals", "original_metadata")
            .order_by(F("acquired_at").desc(nulls_last=True), "original_name")
        )
        context["datasets"] = datasets[:20]
        context["dataset_count"] = datasets.count()
        context.update(paginate(request, files))
    return render(request, "core/search.html", context)


# --- Error pages -------------------------------------------------------------------------------


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors and no database: whatever broke may break them too.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
