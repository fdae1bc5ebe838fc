"""How stored bytes leave the server once a view has checked that the user may have them.

``LIMS_DOWNLOADS`` chooses: ``stream`` (the application reads the bytes through the storage
API and sends them), ``accel`` (the application answers with ``X-Accel-Redirect`` and nginx
sends the file from its ``internal`` location over MEDIA_ROOT: no Python process is tied up
by a 20 GB download) or ``redirect`` (a 302 to a signed URL of the object store, valid for
``LIMS_SIGNED_URL_EXPIRE_S`` seconds, that names the file as the response should). A storage
that cannot do what is asked (``accel`` on an object store) streams. The file name always
comes from the original name, non-Latin-1 ones included (RFC 6266/5987 ``filename*``).

Given the request and an entity tag (a file's SHA-256), a download answers
``If-None-Match`` with 304 in every mode, and a streamed one answers ``Range`` (one range,
``If-Range`` honoured) with 206 or 416, so that a 20 GB download can resume. With ``accel``
nginx serves ranges itself; with ``redirect`` the object store does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, parse_etags

CHUNK = 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def private(response: HttpResponse, max_age: int = 0) -> HttpResponse:
    """No shared cache keeps the response; a browser may keep it ``max_age`` seconds."""
    if max_age:
        patch_cache_control(response, private=True, max_age=max_age)
    else:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


def entity_tag(digest: str) -> str:
    """The strong ``ETag`` of bytes whose SHA-256 is ``digest``."""
    return f'"{digest}"'


def not_modified(request: HttpRequest | None, etag: str | None) -> HttpResponse | None:
    """A 304 when the client's ``If-None-Match`` names ``etag`` (or ``*``), else None."""
    if request is None or not etag:
        return None
    header = request.headers.get("If-None-Match")
    if not header:
        return None
    tags = parse_etags(header)
    # If-None-Match compares weakly: W/"x" matches "x".
    if "*" in tags or etag in {tag.removeprefix("W/") for tag in tags}:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return private(response)
    return None


class Unsatisfiable(Exception):
    """The requested range starts beyond the end of the file."""


def byte_range(request: HttpRequest | None, size: int, etag: str | None) -> tuple[int, int] | None:
    """The one range ``(start, end)`` (end inclusive) the request asks for, or None for the
    whole file: no ``Range``, several ranges, a malformed header (RFC 9110 says to ignore it),
    or an ``If-Range`` that does not name the current ``etag``. Raises
    :class:`Unsatisfiable` for a range that starts past the end."""
    if request is None:
        return None
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header.replace(" ", ""))
    if not match or not (match[1] or match[2]):
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and (not etag or if_range.strip() != etag):
        return None
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
        if start >= size:
            raise Unsatisfiable
        if end < start:
            return None
        return start, end
    suffix = int(match[2])
    if suffix == 0:
        raise Unsatisfiable
    return max(size - suffix, 0), size - 1


def _read(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def handle_response(
    request: HttpRequest | None,
    handle: IO[bytes],
    size: int,
    *,
    content_type: str,
    disposition: str,
    etag: str | None = None,
    max_age: int = 0,
) -> HttpResponse:
    """Stream an open file: the whole of it, or the range the request asks for (206), or
    416 for a range past its end. ``Accept-Ranges`` tells clients they may resume."""
    try:
        wanted = byte_range(request, size, etag)
    except Unsatisfiable:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return private(refused)
    response: HttpResponse
    if wanted is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        response = StreamingHttpResponse(
            _read(handle, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Content-Disposition"] = disposition
    response["Accept-Ranges"] = "bytes"
    if etag:
        response["ETag"] = etag
    return private(response, max_age)


def can_sign_urls(storage: Storage) -> bool:
    """Does the storage hand out signed, expiring URLs (an S3-compatible object store)?"""
    return bool(getattr(storage, "querystring_auth", False))


def accel_location(name: str) -> str:
    """The URI nginx resolves in its internal location: the prefix and the stored name,
    percent-encoded (names keep spaces and non-ASCII letters; nginx decodes them)."""
    prefix = settings.LIMS_ACCEL_REDIRECT_PREFIX.rstrip("/") + "/"
    return prefix + quote(name, safe="/")


def stored_response(
    storage: Storage,
    name: str,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool,
    max_age: int = 0,
    request: HttpRequest | None = None,
    etag: str | None = None,
) -> HttpResponse:
    """The bytes stored as ``name``, delivered as ``LIMS_DOWNLOADS`` says (404 if missing);
    304 when the client holds ``etag`` already; a range when the request asks for one."""
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    disposition = content_disposition_header(as_attachment, filename) or "inline"
    mode = settings.LIMS_DOWNLOADS
    if mode == "accel" and isinstance(storage, FileSystemStorage):
        if not storage.exists(name):
            raise Http404("The file is missing from storage.")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_location(name)
        response["Content-Disposition"] = disposition
        if etag:
            # nginx's site passes it on (its own ETag is off in the internal location).
            response["ETag"] = etag
        return private(response, max_age)
    if mode == "redirect" and can_sign_urls(storage):
        url = storage.url(  # type: ignore[call-arg]
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.LIMS_SIGNED_URL_EXPIRE_S,
        )
        return private(HttpResponseRedirect(url))
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    return handle_response(
        request,
        handle,
        handle.size,
        content_type=content_type,
        disposition=disposition,
        etag=etag,
        max_age=max_age,
    )
