"""File pages: one instrument file with its preview, metadata, runs, downloads and comments.

Downloads and image bytes are served by :mod:`lims.web.views.downloads`
(``files:download``, ``files:preview``…); these are the pages around them.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe
from PIL import Image

from extraction import field_spec, format_quantity
from extraction.elements import spectrum_markers
from extraction.spectrum import spectrum_json
from lims.comments.forms import CommentForm
from lims.comments.models import Comment
from lims.core.permissions import Action, can, is_facility_manager, only_shared
from lims.files.instruments import file_instrument_set
from lims.files.models import ExtractionStatus, InstrumentFile, SignalPreview
from lims.files.runs.services import file_reextract as file_reextract_service
from lims.files.trash.services import file_trash
from lims.instruments.models import Instrument
from lims.web.auth import api_authenticated
from lims.web.display import (
    axis_rows,
    diff_rows,
    extraction_heading,
    field_width,
    signal_strip,
    summary_rows,
)
from lims.web.sharing import share_links_admitted, shown_project
from lims.web.templatetags.lims_files import preview_url, signal_preview_url
from lims.web.views.notes import notes_context
from lims.web.views.trash import moved_to_trash

IN_PROGRESS = (ExtractionStatus.PENDING, ExtractionStatus.RUNNING)
#: at most this many files are offered in the "compare with…" list
COMPARE_CHOICES = 500


def _file_or_404(request: HttpRequest, uid: Any, *, light: bool = False) -> InstrumentFile:
    queryset = InstrumentFile.objects.visible_to(request.user).select_related(
        "dataset__project", "dataset__created_by", "instrument", "uploaded_by"
    )
    if light:
        queryset = queryset.defer("metadata", "signals", "original_metadata")
    return get_object_or_404(queryset, uid=uid)


def _signal_index(request: HttpRequest, file: InstrumentFile) -> int:
    """The signal asked for (``?signal=``), else the file's most informative one (the primary
    signal extraction chose: a Velox file opens on its image, not on an EDS sum)."""
    count = max(1, len(file.signals or []))
    primary = (file.metadata or {}).get("primary_signal")
    default = primary if isinstance(primary, int) and 0 <= primary < count else 0
    try:
        index = int(request.GET.get("signal", default))
    except ValueError:
        return default
    return index if 0 <= index < count else default


def _compare_choices(file: InstrumentFile) -> QuerySet[InstrumentFile]:
    """The other files of the dataset offered in "compare with…" (same dataset: same access)."""
    return (
        InstrumentFile.objects.filter(dataset_id=file.dataset_id, deleted_at__isnull=True)
        .exclude(pk=file.pk)
        .only("uid", "original_name", "folder")
        .order_by("folder", "original_name")[:COMPARE_CHOICES]
    )


@share_links_admitted
def file_detail(request: HttpRequest, uid: Any) -> HttpResponse:
    """Everything about one file, in a bounded number of queries whatever its size."""
    file = _file_or_404(request, uid)
    runs = list(file.runs.select_related("requested_by"))
    previews = list(file.previews.all())
    companions = list(file.companions.all())
    signals: list[dict[str, Any]] = file.signals or []
    index = _signal_index(request, file)
    signal = signals[index] if signals else None
    trees = (file.original_metadata or {}).get("signals") or []
    tree = trees[index] if index < len(trees) else (trees[0] if trees else None)
    selected_preview = next((p for p in previews if p.signal_index == index), None)
    metadata = (signal or {}).get("metadata") or file.metadata or {}
    is_spectrum = bool(selected_preview is not None and selected_preview.spectrum)
    siblings = _compare_choices(file)
    neighbours = _neighbours(file)
    context = {
        "file": file,
        "dataset": file.dataset,
        "project": shown_project(request, file.dataset),
        "runs": runs,
        "previews": previews,
        "companions": companions,
        "signals": signals,
        "signal": signal,
        "signal_index": index,
        "selected_preview": selected_preview,
        "preview_src": _preview_src(file, selected_preview),
        "frames": _frames(file, selected_preview),
        "summary": summary_rows(metadata),
        "warnings": metadata.get("warnings") or [],
        "tree": tree,
        "extraction": extraction_heading(file, runs),
        "is_spectrum": is_spectrum,
        "elements": metadata.get("elements") or [],
        "technique": metadata.get("technique") or "",
        "spectrum_markers": json.dumps(
            spectrum_markers(metadata.get("technique"), metadata.get("elements") or [])
            if is_spectrum
            else []
        ),
        "in_progress": file.status in IN_PROGRESS,
        "siblings": siblings,
        "signal_strip": signal_strip(signals, previews),
        "previous_file": neighbours[0],
        "next_file": neighbours[1],
        "axes": axis_rows(signal or {}),
        "instrument_choices": (
            Instrument.objects.filter(active=True).only("pk", "name")
            if is_facility_manager(request.user)
            else None
        ),
        **notes_context(request, file),
        "tags": list(file.tags.all()),
        "comments": Comment.objects.visible_to(request.user)
        .filter(file=file)
        .select_related("author"),
        "comment_form": CommentForm(),
        "can_comment": can(request.user, Action.COMMENT, file),
        "can_manage": can(request.user, Action.MANAGE, file),
        "through_share_link": only_shared(request.user, file),
    }
    return render(request, "files/detail.html", context)


def _frames(file: InstrumentFile, selected: SignalPreview | None) -> dict[str, Any] | None:
    """The frames of the shown image stack for the page's slider: ``{total, items, start}``,
    ``items`` as ``{index, url}``, ``start`` the position of the middle frame (the preview's)."""
    if selected is None or not selected.frames:
        return None
    items = [
        {
            "index": frame["index"],
            "url": reverse(
                "files:signal-frame", args=[file.uid, selected.signal_index, frame["index"]]
            ),
        }
        for frame in selected.frames
    ]
    middle = selected.frame_total // 2
    start = min(range(len(items)), key=lambda i: abs(items[i]["index"] - middle))
    return {
        "total": selected.frame_total,
        "items": items,
        "start": start,
        "start_number": items[start]["index"] + 1,
        "json": json.dumps(items),
    }


def _preview_src(file: InstrumentFile, selected: SignalPreview | None) -> str:
    """The large image to show: the selected signal's, else the file's main preview."""
    if selected is not None and selected.image:
        return signal_preview_url(selected, "image")
    return preview_url(file)


def _neighbours(file: InstrumentFile) -> tuple[InstrumentFile | None, InstrumentFile | None]:
    """The files before and after ``file`` in its dataset's order (folder, then name), for
    previous/next on the file page: the same dataset, so the same access."""
    siblings = InstrumentFile.objects.filter(
        dataset_id=file.dataset_id, deleted_at__isnull=True
    ).only("uid", "original_name", "folder")
    key = (file.folder, file.original_name, file.pk)
    after = (
        Q(folder__gt=key[0])
        | Q(folder=key[0], original_name__gt=key[1])
        | Q(folder=key[0], original_name=key[1], pk__gt=key[2])
    )
    before = (
        Q(folder__lt=key[0])
        | Q(folder=key[0], original_name__lt=key[1])
        | Q(folder=key[0], original_name=key[1], pk__lt=key[2])
    )
    previous = siblings.filter(before).order_by("-folder", "-original_name", "-pk").first()
    following = siblings.filter(after).order_by("folder", "original_name", "pk").first()
    return previous, following


@share_links_admitted
def file_status(request: HttpRequest, uid: Any) -> HttpResponse:
    """The status badge as an htmx fragment; it keeps polling itself only while in progress.

    When the status has changed since the page was drawn, htmx reloads the page (``HX-Refresh``)
    so the preview and metadata appear.
    """
    file = _file_or_404(request, uid, light=True)
    response = render(
        request, "files/_status.html", {"file": file, "in_progress": file.status in IN_PROGRESS}
    )
    was = request.GET.get("was")
    if was and was != file.status and file.status not in IN_PROGRESS:
        response["HX-Refresh"] = "true"
    return response


@share_links_admitted
def file_compare(request: HttpRequest, uid: Any) -> HttpResponse:
    """The differences between this file's metadata and another's (``?with=<uid>``)."""
    file = _file_or_404(request, uid)
    other_uid = request.GET.get("with", "").strip()
    other = None
    diff: dict[str, Any] = {}
    show_all = request.GET.get("all") == "1"
    every_key = request.GET.get("vendor") == "all"
    if other_uid:
        try:
            uuid.UUID(other_uid)
        except ValueError as error:  # a malformed uid is a 404 like an invisible one
            raise Http404("No such file.") from error
        other = _file_or_404(request, other_uid)
        diff = diff_rows(file, other, include_equal=show_all, every_key=every_key)
    siblings = _compare_choices(file)
    context = {
        "file": file,
        "other": other,
        "diff": diff,
        "show_all": show_all,
        "every_key": every_key,
        "panes": [_pane(f) for f in (file, other)] if other is not None else [],
        "siblings": siblings,
        "dataset": file.dataset,
        "project": shown_project(request, file.dataset),
    }
    return render(request, "files/compare.html", context)


def _pane(file: InstrumentFile) -> dict[str, Any]:
    """One side of the compare page's previews: the primary signal's image and its width."""
    width = field_width(file)
    return {
        "file": file,
        "src": preview_url(file),
        "field_width": width,
        "field_width_text": format_quantity(field_spec("pixel_size"), width) if width else None,
    }


@login_required
@require_POST
def file_reextract(request: HttpRequest, uid: Any) -> HttpResponse:
    """Queue a file for extraction again (project managers and facility managers)."""
    file = _file_or_404(request, uid, light=True)
    file_reextract_service(file=file, user=request.user)
    messages.success(request, "The file is queued for extraction again.")
    return redirect(file)


@login_required
@require_POST
def file_instrument(request: HttpRequest, uid: Any) -> HttpResponse:
    """A facility manager confirms or corrects the instrument a file was recorded on
    (``instrument``: an instrument's id, or empty for none of the facility's)."""
    file = _file_or_404(request, uid, light=True)
    choice = request.POST.get("instrument", "").strip()
    instrument = None
    if choice:
        if not choice.isdigit():
            return HttpResponseBadRequest("No such instrument.")
        instrument = Instrument.objects.filter(pk=int(choice), active=True).first()
        if instrument is None:
            return HttpResponseBadRequest("No such instrument.")
    file_instrument_set(file=file, instrument=instrument, user=request.user)
    shown = instrument.name if instrument else "none of the facility's instruments"
    messages.success(request, f"Instrument set: {shown}.")
    return redirect(file)


@login_required
@require_POST
def file_delete(request: HttpRequest, uid: Any) -> HttpResponse:
    """The project's managers move a file to the trash."""
    file = _file_or_404(request, uid, light=True)
    file_trash(file=file, user=request.user)
    moved_to_trash(request, file.original_name)
    return redirect(file.dataset)


# --- Spectrum data for the interactive plot ---------------------------------------------------


@require_safe
@api_authenticated
@share_links_admitted
def file_spectrum(request: HttpRequest, uid: Any, index: int) -> HttpResponse:
    """``{x: [...], y: [...], x_label, x_unit, y_label, points, summed}`` of one spectrum
    signal, for the plot: computed at extraction time and stored with the previews, so no
    request ever reads the original file."""
    file = _file_or_404(request, uid, light=True)
    preview = get_object_or_404(file.previews, signal_index=index)
    if not preview.spectrum:
        raise Http404("This signal has no spectrum.")
    try:
        handle = preview.spectrum.storage.open(preview.spectrum.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The spectrum is missing from storage.") from exc
    response = FileResponse(handle, content_type="application/json")
    patch_cache_control(response, private=True, max_age=300)
    return response


# --- A spectrum image: its map and the spectrum of one position --------------------------------


def _cube(request: HttpRequest, uid: Any, index: int) -> tuple[Any, dict[str, Any]]:
    """The reduced cube of a spectrum image or 4D-STEM scan (precomputed at extraction: a few
    MiB at most): its arrays and description."""
    file = _file_or_404(request, uid, light=True)
    preview = get_object_or_404(file.previews, signal_index=index)
    if not preview.cube:
        raise Http404("This signal is no spectrum image nor 4D-STEM scan.")
    try:
        with (
            preview.cube.storage.open(preview.cube.name, "rb") as handle,
            np.load(handle) as stored,
        ):
            arrays = {key: stored[key] for key in stored.files if key != "meta"}
            meta = json.loads(str(stored["meta"]))
    except FileNotFoundError as exc:
        raise Http404("The spectrum image is missing from storage.") from exc
    return arrays, meta


@require_safe
@api_authenticated
@share_links_admitted
def file_signal_map(request: HttpRequest, uid: Any, index: int) -> HttpResponse:
    """``{rows, cols, bins, nav_shape, totals}`` of a spectrum image or 4D-STEM scan: the
    counts at each (binned) scan position, for the clickable map."""
    arrays, meta = _cube(request, uid, index)
    totals = arrays.get("totals")
    if totals is None:
        totals = arrays["cube"].astype(np.float64).sum(axis=2)
    body = {
        "rows": int(totals.shape[0]),
        "cols": int(totals.shape[1]),
        "bins": meta["bins"],
        "nav_shape": meta["nav_shape"],
        "totals": [[round(float(v), 3) for v in row] for row in totals],
    }
    response = JsonResponse(body)
    patch_cache_control(response, private=True, max_age=300)
    return response


@require_safe
@api_authenticated
@share_links_admitted
def file_signal_point(request: HttpRequest, uid: Any, index: int) -> HttpResponse:
    """The spectrum at one (binned) position of a spectrum image (``?row=&col=``), in the
    format of :func:`file_spectrum`."""
    arrays, meta = _cube(request, uid, index)
    if "cube" not in arrays:
        raise Http404("This signal is no spectrum image.")
    cube = arrays["cube"]
    row, col, error = _position(request, cube.shape)
    if error is not None:
        return error
    body = spectrum_json(
        arrays["x"],
        cube[row, col].astype(np.float64),
        x_label=meta["x_label"],
        x_unit=meta["x_unit"],
        y_label=meta["y_label"],
        summed=False,
    )
    response = HttpResponse(body, content_type="application/json")
    patch_cache_control(response, private=True, max_age=300)
    return response


def _position(request: HttpRequest, shape: tuple[int, ...]) -> tuple[int, int, HttpResponse | None]:
    """``?row=&col=`` within the first two axes of ``shape``, or a 400 saying why not."""
    try:
        row, col = int(request.GET.get("row", "")), int(request.GET.get("col", ""))
    except ValueError:
        return 0, 0, HttpResponseBadRequest("row and col must be whole numbers.")
    if not (0 <= row < shape[0] and 0 <= col < shape[1]):
        return 0, 0, HttpResponseBadRequest(f"row and col lie within {shape[0]} x {shape[1]}.")
    return row, col, None


@require_safe
@api_authenticated
@share_links_admitted
def file_signal_pattern(request: HttpRequest, uid: Any, index: int) -> HttpResponse:
    """The diffraction pattern (PNG) at one (binned) scan position of a 4D-STEM scan
    (``?row=&col=``), as extraction reduced it."""
    arrays, _ = _cube(request, uid, index)
    if "patterns" not in arrays:
        raise Http404("This signal is no 4D-STEM scan.")
    patterns = arrays["patterns"]
    row, col, error = _position(request, patterns.shape)
    if error is not None:
        return error
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(patterns[row, col])).save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    patch_cache_control(response, private=True, max_age=300)
    return response
