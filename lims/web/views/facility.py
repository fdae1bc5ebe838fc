"""The facility manager's pages: the overview, every project, failed extractions, the job
queues and workers, and the fixity of stored files.

People and research groups have their own modules (``people``, ``groups``), as do the audit
log and the trash.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lims.core.pagination import paginate
from lims.core.permissions import dataset_live, file_live, is_facility_manager
from lims.datasets.models import Dataset
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile, RunStatus
from lims.files.runs.recovery import extraction_runs_recover
from lims.instruments.models import Instrument
from lims.ops.models import FixityCursor, FixityProblem
from lims.ops.queues import queue_lengths, workers_alive
from lims.projects.filters import ProjectFilterSet
from lims.projects.models import Project

View = Callable[..., HttpResponseBase]


def facility_manager_required(view: View) -> View:
    """Signed-in facility managers only: others get 403 (anonymous users sign in first)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_facility_manager(request.user):
            raise PermissionDenied("Only facility managers may open this page.")
        return view(request, *args, **kwargs)

    return wrapper


@facility_manager_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Figures of the whole facility, and what needs attention."""
    user = request.user
    files = InstrumentFile.objects.visible_to(user).aggregate(
        total=Count("id"),
        failed=Count("id", filter=Q(status=ExtractionStatus.FAILED)),
        waiting=Count(
            "id", filter=Q(status__in=[ExtractionStatus.PENDING, ExtractionStatus.RUNNING])
        ),
    )
    context = {
        "n_projects": Project.objects.visible_to(user).count(),
        "n_datasets": Dataset.objects.visible_to(user).count(),
        "n_users": get_user_model().objects.filter(is_active=True).count(),
        "n_instruments": Instrument.objects.filter(active=True).count(),
        "files": files,
        "n_fixity_problems": FixityProblem.objects.filter(resolved_at=None).count(),
        "recent_failed": InstrumentFile.objects.visible_to(user)
        .filter(status=ExtractionStatus.FAILED)
        .select_related("dataset__project")
        .order_by("-uploaded_at")[:5],
    }
    return render(request, "manage/dashboard.html", context)


@facility_manager_required
def projects(request: HttpRequest) -> HttpResponse:
    """Every project, with its members, datasets and files counted (the trash left out)."""
    queryset = Project.objects.visible_to(request.user).annotate(
        n_members=Count("memberships", distinct=True),
        n_groups=Count("group_memberships", distinct=True),
        n_datasets=Count("datasets", filter=dataset_live("datasets__"), distinct=True),
        n_files=Count("datasets__files", filter=file_live("datasets__files__"), distinct=True),
    )
    filterset = ProjectFilterSet(request.GET, queryset=queryset)
    query = request.GET.get("q", "").strip()
    return render(request, "manage/projects.html", {"q": query, **paginate(request, filterset.qs)})


@facility_manager_required
def failed(request: HttpRequest) -> HttpResponse:
    """Files whose extraction failed, newest first, with the reason."""
    queryset = (
        InstrumentFile.objects.visible_to(request.user)
        .filter(status=ExtractionStatus.FAILED)
        .select_related("dataset__project")
        .order_by("-uploaded_at")
    )
    return render(request, "manage/failed.html", paginate(request, queryset))


@facility_manager_required
def operations(request: HttpRequest) -> HttpResponse:
    """The job queues' lengths, the workers that answer, running and failed extractions."""
    try:
        queues: dict[str, int] | None = queue_lengths()
        workers: list[str] | None = workers_alive(timeout=1.0)
        broker_error = ""
    except Exception as exc:  # the page shows the broker as down, whatever the failure
        queues, workers, broker_error = None, None, f"{type(exc).__name__}: {exc}"
    runs = ExtractionRun.objects.select_related("file__dataset__project").defer(
        "file__metadata", "file__signals", "file__original_metadata"
    )
    context = {
        "queues": queues,
        "workers": workers,
        "broker_error": broker_error,
        "n_queued": ExtractionRun.objects.filter(status=RunStatus.QUEUED).count(),
        "running": runs.filter(status=RunStatus.RUNNING).order_by("started_at")[:50],
        "failed_runs": runs.filter(status=RunStatus.FAILED).order_by("-finished_at")[:20],
        "now": timezone.now(),
        "lease_s": settings.LIMS_RUN_LEASE_S,
    }
    return render(request, "manage/operations.html", context)


@facility_manager_required
@require_POST
def recover_runs(request: HttpRequest) -> HttpResponse:
    """The operations page's button: recover the extractions nobody will finish now."""
    recovery = extraction_runs_recover(user=request.user)
    if recovery.unreachable:
        messages.error(request, recovery.summary())
    else:
        messages.success(request, recovery.summary())
    return redirect("manage:operations")


@facility_manager_required
def fixity(request: HttpRequest) -> HttpResponse:
    """Stored files found changed or missing (open first), and where the check stands."""
    queryset = FixityProblem.objects.select_related("file__dataset__project").order_by(
        F("resolved_at").desc(nulls_first=True), "-detected_at"
    )
    context = {
        "cursor": FixityCursor.objects.filter(name="files").first(),
        "n_open": FixityProblem.objects.filter(resolved_at=None).count(),
        **paginate(request, queryset),
    }
    return render(request, "manage/fixity.html", context)
