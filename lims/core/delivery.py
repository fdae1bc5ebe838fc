"""How stored bytes leave the server once a view has checked that the user may have them.

``LIMS_DOWNLOADS`` chooses: ``stream`` (the application reads the bytes through the storage
API and sends them), ``accel`` (the application answers with ``X-Accel-Redirect`` and nginx
sends the file from its ``internal`` location over MEDIA_ROOT: no Python process is tied up
by a 20 GB download) or ``redirect`` (a 302 to a signed URL of the object store, valid for
``LIMS_SIGNED_URL_EXPIRE_S`` seconds, that names the file as the response should). A storage
that cannot do what is asked (``accel`` on an object store) streams. The file name always
comes from the original name, non-Latin-1 ones included (RFC 6266/5987 ``filename*``).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header


def private(response: HttpResponse, max_age: int = 0) -> HttpResponse:
    """No shared cache keeps the response; a browser may keep it ``max_age`` seconds."""
    if max_age:
        patch_cache_control(response, private=True, max_age=max_age)
    else:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


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
) -> HttpResponse:
    """The bytes stored as ``name``, delivered as ``LIMS_DOWNLOADS`` says (404 if missing)."""
    disposition = content_disposition_header(as_attachment, filename) or "inline"
    mode = settings.LIMS_DOWNLOADS
    if mode == "accel" and isinstance(storage, FileSystemStorage):
        if not storage.exists(name):
            raise Http404("The file is missing from storage.")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_location(name)
        response["Content-Disposition"] = disposition
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
    streamed = FileResponse(handle, content_type=content_type)
    streamed["Content-Disposition"] = disposition
    return private(streamed, max_age)
