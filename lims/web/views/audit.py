"""The audit log's pages: the whole log for facility managers, a project's for its managers;
each filterable (the audit FilterSet) and exported as CSV, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from lims.audit.filters import AuditEventFilterSet
from lims.audit.models import AuditAction, AuditEvent
from lims.core.pagination import paginate
from lims.core.permissions import Action, require
from lims.projects.models import Project
from lims.projects.services import MANAGERS_ONLY
from lims.web.views.facility import facility_manager_required
from lims.web.views.projects import project_or_404

CSV_COLUMNS = [
    "at",
    "action",
    "actor",
    "project",
    "target_type",
    "target_id",
    "target",
    "detail",
    "ip_address",
]


class _Echo:
    """A file-like sink for ``csv.writer`` that hands each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    slugs: dict[int, str] = {}
    for event in events.iterator(chunk_size=2000):
        if event.project_id is not None and event.project_id not in slugs:
            # One query per project met (purged ones included): projects are few.
            found = Project.objects.filter(pk=event.project_id).values_list("slug", flat=True)
            slugs[event.project_id] = found.first() or ""
        yield writer.writerow(
            [
                event.at.isoformat(),
                event.action,
                event.actor_name,
                slugs.get(event.project_id, "") if event.project_id else "",
                event.target_type,
                event.target_id,
                event.target_label,
                event.detail,
                event.ip_address or "",
            ]
        )


def _audit(
    request: HttpRequest, events: QuerySet[AuditEvent], context: dict[str, Any], name: str
) -> HttpResponseBase:
    filterset = AuditEventFilterSet(request.GET, queryset=events)
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_csv_rows(filterset.qs), content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{name}-{stamp}.csv"'
        return response
    pagination = paginate(request, filterset.qs, 100)
    ids = {e.project_id for e in pagination["page_obj"] if e.project_id is not None}
    names = dict(Project.objects.filter(pk__in=ids).values_list("pk", "name"))
    for event in pagination["page_obj"]:
        event.project_name = names.get(event.project_id, "")  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "csv"
    context.update(
        {
            "filters": filterset.form,
            "actions": AuditAction.choices,
            "csv_query": params.urlencode(),
            **pagination,
        }
    )
    return render(request, "audit/list.html", context)


@facility_manager_required
def facility_audit(request: HttpRequest) -> HttpResponseBase:
    """Everything the audit log holds."""
    return _audit(request, AuditEvent.objects.select_related("actor"), {"tab": "audit"}, "all")


@login_required
def project_audit(request: HttpRequest, slug: str) -> HttpResponseBase:
    """What happened in one project, for its managers."""
    project = project_or_404(request, slug)
    require(request.user, Action.MANAGE, project, MANAGERS_ONLY)
    events = AuditEvent.objects.filter(project_id=project.pk).select_related("actor")
    return _audit(request, events, {"project": project}, project.slug)
