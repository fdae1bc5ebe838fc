"""Dataset pages: one dataset with its file table or gallery, creating and editing one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lims.comments.forms import CommentForm
from lims.core.permissions import Action, can
from lims.core.views import paginate
from lims.datasets.forms import DatasetForm
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create, dataset_update
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.files.uploads import streaming_uploads
from lims.projects.models import Project

#: ``?sort=`` keys of the file table and the ordering each stands for.
FILE_SORTS: dict[str, list[Any]] = {
    "name": ["original_name", "id"],
    "type": ["format_label", "original_name", "id"],
    "acquired": [F("acquired_at").asc(nulls_last=True), "original_name", "id"],
    "microscope": [F("microscope").asc(nulls_last=True), "original_name", "id"],
    "kind": [F("kind").asc(nulls_last=True), "original_name", "id"],
    "size": ["size", "id"],
    "status": ["status", "original_name", "id"],
    "uploaded": ["uploaded_at", "id"],
}
DEFAULT_SORT = "name"
IN_PROGRESS = (ExtractionStatus.PENDING, ExtractionStatus.RUNNING)


def _descending(order: list[Any]) -> list[Any]:
    flipped: list[Any] = []
    for item in order:
        if isinstance(item, str):
            flipped.append(item[1:] if item.startswith("-") else f"-{item}")
        else:
            flipped.append(F(item.expression.name).desc(nulls_last=True))
    return flipped


def _metadata_text(key: str) -> NullIf:
    """A key of the normalized metadata as text in SQL; a JSON null stays NULL (SQLite, the
    embedded default, would otherwise give the text 'null')."""
    return NullIf(KeyTextTransform(key, "metadata"), Value("null", output_field=TextField()))


def file_table_queryset(dataset: Dataset, sort: str) -> Any:
    """The dataset's files for the table: light columns only, sorted by a ``?sort=`` key.

    The metadata trees are not loaded: microscope and kind come out of the JSON in SQL.
    """
    key = sort.lstrip("-")
    order = FILE_SORTS.get(key, FILE_SORTS[DEFAULT_SORT])
    if sort.startswith("-"):
        order = _descending(order)
    return (
        InstrumentFile.objects.filter(dataset=dataset)
        .annotate(
            microscope=_metadata_text("microscope"),
            kind=_metadata_text("kind"),
        )
        .select_related("instrument")
        .defer("metadata", "signals", "original_metadata")
        .order_by(*order)
    )


def _dataset_or_404(request: HttpRequest, uid: Any) -> Dataset:
    return get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("project", "created_by"),
        uid=uid,
    )


def dataset_detail(request: HttpRequest, uid: Any) -> HttpResponse:
    """A dataset: its facts, the file table (sortable, paginated) or gallery, and comments.

    With htmx the file table alone is answered, for live status refreshes.
    """
    dataset = _dataset_or_404(request, uid)
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in FILE_SORTS:
        sort = DEFAULT_SORT
    view = "gallery" if request.GET.get("view") == "gallery" else "table"
    files = file_table_queryset(dataset, sort)
    pagination = paginate(request, files, 48 if view == "gallery" else 50)
    in_progress = any(f.status in IN_PROGRESS for f in pagination["page_obj"])
    params = request.GET.copy()
    params["partial"] = "files"
    context: dict[str, Any] = {
        "dataset": dataset,
        "project": dataset.project,
        "sort": sort,
        "default_sort": DEFAULT_SORT,
        "view": view,
        "in_progress": in_progress,
        "refresh_url": f"{request.path}?{params.urlencode()}",
        "can_contribute": can(request.user, Action.CONTRIBUTE, dataset),
        **pagination,
    }
    context["counts"] = InstrumentFile.objects.filter(dataset=dataset).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=ExtractionStatus.DONE)),
        waiting=Count("id", filter=Q(status__in=IN_PROGRESS)),
        failed=Count("id", filter=Q(status=ExtractionStatus.FAILED)),
    )
    if request.htmx and request.GET.get("partial") == "files":
        # The file list, and the counts in the page header out of band.
        context["oob_counts"] = True
        return render(request, "datasets/_files.html", context)
    context.update(
        {
            "tags": list(dataset.tags.all()),
            "comments": dataset.comments.select_related("author"),
            "comment_form": CommentForm(),
            "can_comment": can(request.user, Action.COMMENT, dataset),
            "can_edit": can(request.user, Action.EDIT, dataset),
            "can_manage": can(request.user, Action.MANAGE, dataset),
            "upload_api": _upload_api_url(),
        }
    )
    return render(request, "datasets/detail.html", context)


def _upload_api_url() -> str:
    """The chunked-upload API's root, when the ingest API is installed."""
    from django.urls import NoReverseMatch

    for name in ("api:upload-list", "api:uploads-list", "upload-list"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@login_required
def dataset_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A new dataset in a project the user contributes to."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not can(request.user, Action.CONTRIBUTE, project):
        raise PermissionDenied("Only the project's contributors and managers may add datasets.")
    form = DatasetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if Dataset.objects.filter(project=project, title=form.cleaned_data["title"]).exists():
            form.add_error("title", "This project already has a dataset with this title.")
        else:
            dataset = dataset_create(project=project, created_by=request.user, **form.cleaned_data)
            messages.success(request, f"Dataset “{dataset.title}” created. Add its files below.")
            return redirect(dataset)
    return render(request, "datasets/form.html", {"form": form, "project": project})


@login_required
def dataset_edit(request: HttpRequest, uid: Any) -> HttpResponse:
    dataset = _dataset_or_404(request, uid)
    if not can(request.user, Action.EDIT, dataset):
        raise PermissionDenied("You may not edit this dataset.")
    initial = {
        "title": dataset.title,
        "description": dataset.description,
        "visibility": dataset.visibility,
        "tags": ", ".join(t.name for t in dataset.tags.all()),
        "license": dataset.license,
    }
    form = DatasetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            dataset_update(dataset=dataset, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Dataset saved.")
            return redirect(dataset)
    context = {"form": form, "project": dataset.project, "dataset": dataset}
    return render(request, "datasets/form.html", context)


@login_required
@require_POST
def dataset_reextract(request: HttpRequest, uid: Any) -> HttpResponse:
    """Queue every file of the dataset for extraction again (project managers)."""
    dataset = _dataset_or_404(request, uid)
    if not can(request.user, Action.MANAGE, dataset):
        raise PermissionDenied("Only the project's managers may re-extract files.")
    from lims.files import services

    reextract = getattr(services, "dataset_reextract", None)
    if reextract is None:
        messages.error(request, "Re-extraction is not available yet.")
    else:
        result = reextract(dataset=dataset, user=request.user)
        count = result if isinstance(result, int) else len(result) if result else 0
        messages.success(request, f"{count} file(s) queued for extraction again.")
    return redirect(dataset)


@login_required
@require_POST
@streaming_uploads
def dataset_upload(request: HttpRequest, uid: Any) -> HttpResponse:
    """The upload form without JavaScript: plain multipart files, ingested one by one.

    With JavaScript the page sends files in chunks through the upload API instead.
    """
    dataset = _dataset_or_404(request, uid)
    if not can(request.user, Action.CONTRIBUTE, dataset):
        raise PermissionDenied("Only the project's contributors and managers may upload files.")
    from lims.files.services import file_ingest

    uploads = request.FILES.getlist("files")
    # Companions first: an .emi adopts the .ser files that arrived before it.
    uploads.sort(key=lambda u: (not u.name.lower().endswith((".ser", ".raw")), u.name))
    added = duplicates = 0
    for upload in uploads:
        outcome = file_ingest(dataset=dataset, upload=upload, user=request.user)
        duplicates += int(bool(getattr(outcome, "duplicate", False)))
        added += int(not getattr(outcome, "duplicate", False))
    if uploads:
        note = f" ({duplicates} already there)" if duplicates else ""
        messages.success(request, f"{added} file(s) received{note}; extraction is queued.")
    else:
        messages.error(request, "Choose at least one file.")
    return redirect(dataset)
