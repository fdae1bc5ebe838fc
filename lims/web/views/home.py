"""The home page and the search page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lims.core.filters import query_text
from lims.core.pagination import paginate
from lims.datasets.filters import DatasetFilterSet
from lims.datasets.models import Dataset
from lims.files.filters import InstrumentFileFilterSet
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.projects.models import Membership


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
    """A simple search over the datasets and files the user may see (the lists' FilterSets'
    ``q``: dataset titles, descriptions and tags; file names, types, microscopes and
    instruments), newest acquisitions first."""
    query = query_text(request.GET.get("q"))
    context: dict[str, Any] = {"search_query": query}
    if query:
        datasets = DatasetFilterSet(
            {"q": query},
            queryset=Dataset.objects.visible_to(request.user)
            .select_related("project", "created_by")
            .annotate(n_files=Count("files", distinct=True)),
        ).qs
        files = InstrumentFileFilterSet(
            {"q": query, "sort": request.GET.get("sort") or "-acquired"},
            queryset=InstrumentFile.objects.visible_to(request.user)
            .select_related("dataset", "instrument")
            .defer("signals", "original_metadata"),
        ).qs
        context["datasets"] = datasets[:20]
        context["dataset_count"] = datasets.count()
        context.update(paginate(request, files))
    return render(request, "core/search.html", context)
