"""Dataset pages: one dataset with its file table or gallery (share links admit to it),
creating, editing and deleting one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lims.comments.forms import CommentForm
from lims.comments.models import Comment
from lims.core.pagination import paginate
from lims.core.permissions import Action, can, only_shared, require
from lims.core.storage import safe_folder
from lims.datasets.forms import DatasetForm
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create, dataset_trash, dataset_update
from lims.files.filters import InstrumentFileFilterSet, metadata_text
from lims.files.ingest.services import files_ingest
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.files.runs.services import dataset_reextract as dataset_reextract_service
from lims.files.summary import dataset_summary, subfolders
from lims.files.uploads.handlers import streaming_uploads
from lims.projects.models import Project
from lims.sharing.forms import ShareLinkForm
from lims.web.forms import show_errors
from lims.web.sharing import share_links_admitted, shown_project
from lims.web.views.notes import notes_context
from lims.web.views.trash import moved_to_trash

IN_PROGRESS = (ExtractionStatus.PENDING, ExtractionStatus.RUNNING)


def file_table_queryset(request: HttpRequest, dataset: Dataset) -> InstrumentFileFilterSet:
    """The dataset's files for the table, filtered and sorted by the request's parameters.

    Light columns only: microscope and kind come out of the JSON in SQL, the metadata trees
    are not loaded.
    """
    files = (
        InstrumentFile.objects.filter(dataset=dataset, deleted_at__isnull=True)
        .annotate(microscope=metadata_text("microscope"), kind=metadata_text("kind"))
        .select_related("instrument")
        .defer("metadata", "signals", "original_metadata")
    )
    return InstrumentFileFilterSet(request.GET, queryset=files)


def _dataset_or_404(request: HttpRequest, uid: Any) -> Dataset:
    return get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("project", "created_by"),
        uid=uid,
    )


def _dataset_form(request: HttpRequest, project: Project, **kwargs: Any) -> DatasetForm:
    """The dataset form; who may see the dataset is only the managers' to choose."""
    form = DatasetForm(request.POST or None, **kwargs)
    if not can(request.user, Action.MANAGE, project):
        form.fields["visibility"].disabled = True
        form.fields["visibility"].help_text = "Set by the project's managers."
    return form


@share_links_admitted
def dataset_detail(request: HttpRequest, uid: Any) -> HttpResponse:
    """A dataset: its facts, the file table (sortable, paginated) or gallery, and comments;
    for its managers, its share links.

    With htmx the file table alone is answered, for live status refreshes.
    """
    dataset = _dataset_or_404(request, uid)
    filterset = file_table_queryset(request, dataset)
    sort_filter = filterset.filters["sort"]
    sort = sort_filter.key(request.GET.get("sort"))
    view = "gallery" if request.GET.get("view") == "gallery" else "table"
    # Flat (every file, its folder shown) or folder by folder.
    layout = "folders" if request.GET.get("layout") == "folders" else "flat"
    folder = safe_folder(request.GET.get("folder", "")) if layout == "folders" else ""
    files = filterset.qs.filter(folder=folder) if layout == "folders" else filterset.qs
    pagination = paginate(request, files, 48 if view == "gallery" else 50)
    in_progress = any(f.status in IN_PROGRESS for f in pagination["page_obj"])
    params = request.GET.copy()
    params["partial"] = "files"
    live_files = InstrumentFile.objects.filter(dataset=dataset, deleted_at__isnull=True)
    context: dict[str, Any] = {
        "dataset": dataset,
        "project": shown_project(request, dataset),
        "sort": sort,
        "default_sort": sort_filter.default,
        "view": view,
        "layout": layout,
        "folder": folder,
        "folder_trail": _folder_trail(folder),
        "subfolders": subfolders(live_files, folder) if layout == "folders" else [],
        "in_progress": in_progress,
        "refresh_url": f"{request.path}?{params.urlencode()}",
        "can_contribute": can(request.user, Action.CONTRIBUTE, dataset),
        **pagination,
    }
    if request.htmx and request.GET.get("partial") == "files":
        context["counts"] = live_files.aggregate(
            total=Count("id"),
            done=Count("id", filter=Q(status=ExtractionStatus.DONE)),
            waiting=Count("id", filter=Q(status__in=IN_PROGRESS)),
            failed=Count("id", filter=Q(status=ExtractionStatus.FAILED)),
        )
    else:
        summary = dataset_summary(live_files)
        context["summary"] = summary
        context["counts"] = {
            "total": summary.files,
            "done": summary.done,
            "waiting": summary.waiting,
            "failed": summary.failed,
        }
    if request.htmx and request.GET.get("partial") == "files":
        # The file list, and the counts in the page header out of band.
        context["oob_counts"] = True
        return render(request, "datasets/_files.html", context)
    can_manage = can(request.user, Action.MANAGE, dataset)
    context.update(
        {
            "tags": list(dataset.tags.all()),
            **notes_context(request, dataset),
            "comments": Comment.objects.visible_to(request.user)
            .filter(dataset=dataset)
            .select_related("author"),
            "comment_form": CommentForm(),
            "can_comment": can(request.user, Action.COMMENT, dataset),
            "can_edit": can(request.user, Action.EDIT, dataset),
            "can_manage": can_manage,
            "upload_api": reverse("api:upload-list"),
            "through_share_link": only_shared(request.user, dataset),
        }
    )
    if can_manage:
        context["share_links"] = dataset.share_links.select_related("created_by")[:50]
        context["share_form"] = ShareLinkForm()
    return render(request, "datasets/detail.html", context)


def _folder_trail(folder: str) -> list[dict[str, str]]:
    """The folders from the dataset's top down to ``folder``, each ``{name, path}``."""
    parts = folder.split("/") if folder else []
    return [{"name": part, "path": "/".join(parts[: i + 1])} for i, part in enumerate(parts)]


@login_required
def dataset_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A new dataset in a project the user contributes to."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    require(request.user, Action.CONTRIBUTE, project, "Only contributors may add datasets.")
    form = _dataset_form(request, project)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = dataset_create(project=project, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Dataset “{dataset.title}” created. Add its files below.")
            return redirect(dataset)
    return render(request, "datasets/form.html", {"form": form, "project": project})


@login_required
def dataset_edit(request: HttpRequest, uid: Any) -> HttpResponse:
    dataset = _dataset_or_404(request, uid)
    require(request.user, Action.EDIT, dataset, "You may not edit this dataset.")
    initial = {
        "title": dataset.title,
        "description": dataset.description,
        "visibility": dataset.visibility,
        "tags": ", ".join(t.name for t in dataset.tags.all()),
        "license": dataset.license,
        "doi": dataset.doi,
    }
    form = _dataset_form(request, dataset.project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            dataset_update(dataset=dataset, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
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
    count = dataset_reextract_service(dataset=dataset, user=request.user)
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
    # Before a byte of the body is read: refuse early who may not upload here at all.
    require(request.user, Action.CONTRIBUTE, dataset, "You may not upload files here.")
    uploads = request.FILES.getlist("files")
    if not uploads:
        messages.error(request, "Choose at least one file.")
        return redirect(dataset)
    outcomes = files_ingest(dataset=dataset, uploads=uploads, user=request.user)
    duplicates = sum(outcome.duplicate for outcome in outcomes)
    note = f" ({duplicates} already there)" if duplicates else ""
    messages.success(
        request, f"{len(outcomes) - duplicates} file(s) received{note}; extraction is queued."
    )
    return redirect(dataset)


@login_required
@require_POST
def dataset_delete(request: HttpRequest, uid: Any) -> HttpResponse:
    """The project's managers move a dataset, with its files, to the trash."""
    dataset = _dataset_or_404(request, uid)
    dataset_trash(dataset=dataset, user=request.user)
    moved_to_trash(request, dataset.title)
    return redirect(dataset.project)
