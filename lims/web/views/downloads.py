"""The URLs that serve a file's bytes: originals, companions, zip and preview images.

Each finds the file through the permission seam first (``visible_to``: invisible is a 404) and
answers through :mod:`lims.files.downloads`. They accept an API token as well as a session, and
the share links the browser holds. Originals, companions and zips are recorded in the audit log.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from lims.files.downloads import (
    download_record,
    image_response,
    original_download,
    zip_response,
)
from lims.files.models import InstrumentFile, SignalPreview
from lims.web.auth import api_authenticated
from lims.web.sharing import share_links_admitted


def _visible(request: HttpRequest) -> QuerySet[InstrumentFile]:
    return InstrumentFile.objects.visible_to(request.user).select_related("dataset__project")


@require_safe
@api_authenticated
@share_links_admitted
def download(request: HttpRequest, uid: str) -> HttpResponse:
    """The original file; ``?zip=1`` gives it with its companions as a zip archive."""
    instrument_file = get_object_or_404(_visible(request), uid=uid)
    if request.GET.get("zip") in {"1", "true", "yes"}:
        download_record(file=instrument_file, user=request.user, what="zip")
        return zip_response(instrument_file)
    return original_download(request, file=instrument_file)


@require_safe
@api_authenticated
@share_links_admitted
def companion_download(request: HttpRequest, uid: str, companion_id: int) -> HttpResponse:
    """One companion data file (a ``.ser``) of a visible file."""
    instrument_file = get_object_or_404(_visible(request), uid=uid)
    companion = get_object_or_404(instrument_file.companions, pk=companion_id)
    return original_download(request, file=instrument_file, companion=companion)


@require_safe
@api_authenticated
@share_links_admitted
def preview(request: HttpRequest, uid: str) -> HttpResponse:
    """The preview image (≤1024 px) of a file's primary signal."""
    return image_response(get_object_or_404(_visible(request), uid=uid).preview)


@require_safe
@api_authenticated
@share_links_admitted
def thumbnail(request: HttpRequest, uid: str) -> HttpResponse:
    """The thumbnail (≤256 px) of a file's primary signal."""
    return image_response(get_object_or_404(_visible(request), uid=uid).thumbnail)


@require_safe
@api_authenticated
@share_links_admitted
def signal_preview(request: HttpRequest, uid: str, index: int, variant: str) -> HttpResponse:
    """The ``preview`` or ``thumbnail`` image of one signal of a file."""
    instrument_file = get_object_or_404(_visible(request), uid=uid)
    signal: SignalPreview = get_object_or_404(instrument_file.previews, signal_index=index)
    if variant == "thumbnail":
        return image_response(signal.thumbnail)
    if variant == "preview":
        return image_response(signal.image)
    raise Http404("Unknown image variant.")


@require_safe
@api_authenticated
@share_links_admitted
def signal_frame(request: HttpRequest, uid: str, index: int, frame: int) -> HttpResponse:
    """One frame (its index in the stack) of an image stack signal, as extraction drew it."""
    instrument_file = get_object_or_404(_visible(request), uid=uid)
    signal: SignalPreview = get_object_or_404(instrument_file.previews, signal_index=index)
    stored = next((f["image"] for f in signal.frames or [] if f.get("index") == frame), None)
    if stored is None:
        raise Http404("No such frame.")
    return image_response(FieldFile(signal, signal._meta.get_field("image"), stored))
