"""The trash: what the user may restore (their projects' deleted things), and restoring it.

Project managers see what was deleted in the projects they manage, facility managers
everything. A dataset or file under a deleted project (or a file under a deleted dataset) is
not listed on its own: restoring the project (dataset) brings it back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lims.datasets.models import Dataset
from lims.datasets.services import dataset_restore
from lims.files.models import InstrumentFile
from lims.files.trash.services import file_restore, retention
from lims.projects.models import Project
from lims.projects.services import project_restore

#: At most this many of each kind are listed (the oldest purge first; the page says so).
LISTED = 200


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    """Everything in the trash that the user may restore, newest deletions first."""
    user = request.user
    projects = Project.objects.in_trash().managed_by(user).select_related("deleted_by")
    datasets = Dataset.objects.in_trash().managed_by(user).select_related("project", "deleted_by")
    files = (
        InstrumentFile.objects.in_trash()
        .managed_by(user)
        .select_related("dataset__project", "deleted_by")
        .defer("metadata", "signals", "original_metadata")
    )
    context = {
        "projects": projects.order_by("-deleted_at")[:LISTED],
        "datasets": datasets.order_by("-deleted_at")[:LISTED],
        "files": files.order_by("-deleted_at")[:LISTED],
        "retention_days": settings.LIMS_TRASH_RETENTION_DAYS,
        "retention": retention(),
    }
    return render(request, "trash/list.html", context)


def moved_to_trash(request: HttpRequest, name: str) -> None:
    """Say that ``name`` went to the trash, and for how long it can come back."""
    messages.success(
        request,
        f"“{name}” moved to the trash; it can be restored from there for "
        f"{settings.LIMS_TRASH_RETENTION_DAYS} days.",
    )


def _restore(request: HttpRequest, obj: Any, restore: Any, name: str) -> HttpResponse:
    try:
        restore(user=request.user, **{name: obj})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("trash:list")
    messages.success(request, f"“{obj}” was restored.")
    return redirect(obj)


@login_required
@require_POST
def restore_project(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project.objects.in_trash().managed_by(request.user), slug=slug)
    return _restore(request, project, project_restore, "project")


@login_required
@require_POST
def restore_dataset(request: HttpRequest, uid: Any) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.in_trash().managed_by(request.user), uid=uid)
    return _restore(request, dataset, dataset_restore, "dataset")


@login_required
@require_POST
def restore_file(request: HttpRequest, uid: Any) -> HttpResponse:
    instrument_file = get_object_or_404(
        InstrumentFile.objects.in_trash().managed_by(request.user), uid=uid
    )
    return _restore(request, instrument_file, file_restore, "file")
