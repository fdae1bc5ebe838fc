"""Permission-checked downloads of original files, companions and preview images.

Media files are never served directly: every URL here asks the permission seam
(``visible_to``) first, answers 404 for what the user may not see, and streams the bytes
(``FileResponse``), whatever their size. Responses are marked private so that no shared cache
keeps a private file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from lims.files.models import CompanionFile, InstrumentFile, SignalPreview

CHUNK = 1024 * 1024


def _private(response: HttpResponse, max_age: int = 0) -> HttpResponse:
    if max_age:
        patch_cache_control(response, private=True, max_age=max_age)
    else:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


def _requesting_user(request: HttpRequest) -> Any:
    """The signed-in user, or the API token's user: API clients download with their token."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "token" and key.strip():
        from rest_framework.authentication import TokenAuthentication
        from rest_framework.exceptions import AuthenticationFailed

        try:
            return TokenAuthentication().authenticate_credentials(key.strip())[0]
        except AuthenticationFailed:
            return user
    return user


def visible_files(request: HttpRequest) -> QuerySet[InstrumentFile]:
    """The files the requesting user may download."""
    return InstrumentFile.objects.visible_to(_requesting_user(request))


def open_original(item: InstrumentFile | CompanionFile) -> IO[bytes]:
    """Open the bytes of a file or companion, from storage or from where they lie."""
    if item.external_path:
        try:
            return Path(item.external_path).open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file is not reachable on its share right now.") from exc
    if not item.stored_file:
        raise Http404("No bytes are stored for this file.")
    try:
        return item.stored_file.storage.open(item.stored_file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc


def original_response(item: InstrumentFile | CompanionFile) -> FileResponse:
    """Stream a file or companion as an attachment under its original name."""
    response = FileResponse(
        open_original(item),
        as_attachment=True,
        filename=item.original_name,
        content_type="application/octet-stream",
    )
    _private(response)
    return response


class _Pipe:
    """A write-only sink that hands what ``zipfile`` writes to a streaming response."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _zip_stream(members: list[InstrumentFile | CompanionFile]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for member in members:
            with (
                open_original(member) as source,
                archive.open(member.original_name, "w", force_zip64=True) as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


def zip_response(instrument_file: InstrumentFile) -> StreamingHttpResponse:
    """Stream the file with its companions as one (uncompressed) zip archive."""
    members: list[Any] = [instrument_file, *instrument_file.companions.all()]
    response = StreamingHttpResponse(_zip_stream(members), content_type="application/zip")
    stem = instrument_file.original_name.rsplit(".", 1)[0] or "file"
    response["Content-Disposition"] = f'attachment; filename="{stem}.zip"'
    _private(response)
    return response


@require_safe
def download(request: HttpRequest, uid: str) -> HttpResponse:
    """The original file; ``?zip=1`` gives it with its companions as a zip archive."""
    instrument_file = get_object_or_404(visible_files(request), uid=uid)
    if request.GET.get("zip") in {"1", "true", "yes"}:
        return zip_response(instrument_file)
    return original_response(instrument_file)


@require_safe
def companion_download(request: HttpRequest, uid: str, companion_id: int) -> HttpResponse:
    """One companion data file (a ``.ser``) of a visible file."""
    instrument_file = get_object_or_404(visible_files(request), uid=uid)
    companion = get_object_or_404(instrument_file.companions, pk=companion_id)
    return original_response(companion)


def _image_response(field: Any) -> HttpResponse:
    if not field:
        raise Http404("No preview for this file.")
    try:
        handle = field.storage.open(field.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The preview is missing from storage.") from exc
    response = FileResponse(handle, content_type="image/png")
    return _private(response, max_age=300)


@require_safe
def preview(request: HttpRequest, uid: str) -> HttpResponse:
    """The preview image (≤1024 px) of a file's primary signal."""
    return _image_response(get_object_or_404(visible_files(request), uid=uid).preview)


@require_safe
def thumbnail(request: HttpRequest, uid: str) -> HttpResponse:
    """The thumbnail (≤256 px) of a file's primary signal."""
    return _image_response(get_object_or_404(visible_files(request), uid=uid).thumbnail)


@require_safe
def signal_preview(request: HttpRequest, uid: str, index: int, variant: str) -> HttpResponse:
    """The ``preview`` or ``thumbnail`` image of one signal of a file."""
    instrument_file = get_object_or_404(visible_files(request), uid=uid)
    signal: SignalPreview = get_object_or_404(instrument_file.previews, signal_index=index)
    if variant == "thumbnail":
        return _image_response(signal.thumbnail)
    if variant == "preview":
        return _image_response(signal.image)
    raise Http404("Unknown image variant.")
