"""The home page and the search page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lims.core.permissions import dataset_filter, file_live, member_filter, roles_by_project
from lims.datasets.models import Dataset
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.projects.models import Project


def my_projects(user: Any) -> list[dict[str, Any]]:
    """The projects ``user`` is a member of (in person or through a research group) with their
    role and the number of datasets they may see, by name; two queries."""
    roles = roles_by_project(user)
    projects = (
        Project.objects.visible_to(user)
        .filter(id__in=list(roles))
        .annotate(n_datasets=Count("datasets", filter=dataset_filter(user, "datasets__")))
        .order_by("name")
    )
    return [{"project": p, "role": roles[p.id], "n_datasets": p.n_datasets} for p in projects]


def home(request: HttpRequest) -> HttpResponse:
    """My projects, recent datasets and my files that are still extracting or failed."""
    user = request.user
    context: dict[str, Any] = {
        "recent_datasets": Dataset.objects.visible_to(user)
        .select_related("project", "created_by")
        .annotate(n_files=Count("files", filter=file_live("files__")))
        .order_by("-created_at")[:8]
    }
    if user.is_authenticated:
        context["memberships"] = my_projects(user)
        context["attention_files"] = (
            InstrumentFile.objects.visible_to(user)
            .filter(
                status__in=[
                    ExtractionStatus.PENDING,
                    ExtractionStatus.RUNNING,
                    ExtractionStatus.FAILED,
                ]
            )
            .filter(Q(uploaded_by_id=user.pk) | member_filter(user, "dataset__project_id"))
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
