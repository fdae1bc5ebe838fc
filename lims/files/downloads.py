"""Responses that stream a file's bytes: originals, companions, a zip of both, previews.

Media files are never served directly: the views that use these (the web pages' download
URLs and the API's download actions) first find the object through the permission seam
(``visible_to``), so what a user may not see is a 404 before anything here runs. Stored bytes
then leave as ``LIMS_DOWNLOADS`` says (:mod:`lims.core.delivery`: streamed, nginx's
``X-Accel-Redirect``, or a short-lived signed URL of the object store); files registered in
place on a share and zip archives are streamed. Responses are marked private so that no
shared cache keeps a private file.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.delivery import (
    entity_tag,
    handle_response,
    not_modified,
    private,
    stored_response,
)
from lims.core.permissions import share_grant
from lims.files.models import CompanionFile, InstrumentFile

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

CHUNK = 1024 * 1024


def download_record(*, file: InstrumentFile, user: AnyUser, what: str) -> None:
    """Record in the audit log that ``user`` downloaded ``what`` of ``file`` (the original, a
    zip, a companion's name), and through which share links when one admitted them."""
    detail: dict[str, object] = {"what": what}
    grant = share_grant(user)
    if grant is not None and file.dataset_id in grant.dataset_ids:
        detail["share_links"] = sorted(grant.link_ids)
    audit_record(action=AuditAction.DOWNLOAD, actor=user, target=file, detail=detail)


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


#: Statuses of a download that sent bytes (a 304 or a 416 sent none).
DELIVERED = {200, 206, 302}


def original_response(
    item: InstrumentFile | CompanionFile, *, request: HttpRequest | None = None
) -> HttpResponse:
    """A file or companion as an attachment under its original name, its SHA-256 as ETag:
    304 for a client that has it, one byte range (206) for a client resuming."""
    etag = entity_tag(item.sha256) if item.sha256 else None
    if item.stored_file and not item.external_path:
        return stored_response(
            item.stored_file.storage,
            item.stored_file.name,
            filename=item.original_name,
            content_type="application/octet-stream",
            as_attachment=True,
            request=request,
            etag=etag,
        )
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    handle = open_original(item)
    return handle_response(
        request,
        handle,
        os.fstat(handle.fileno()).st_size,
        content_type="application/octet-stream",
        disposition=content_disposition_header(True, item.original_name) or "attachment",
        etag=etag,
    )


def original_download(
    request: HttpRequest, *, file: InstrumentFile, companion: CompanionFile | None = None
) -> HttpResponse:
    """Deliver ``file``'s original (or one ``companion``) to the request's user, already
    found through the permission seam, and record it in the audit log when bytes left."""
    item = companion or file
    response = original_response(item, request=request)
    if response.status_code in DELIVERED:
        what = companion.original_name if companion else "original"
        download_record(file=file, user=request.user, what=what)
    return response


class ZipPipe:
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
    pipe = ZipPipe()
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
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}.zip")
    return private(response)


def image_response(field: Any) -> HttpResponse:
    """A stored preview PNG, privately cacheable for a few minutes; 404 when there is none."""
    if not field:
        raise Http404("No preview for this file.")
    return stored_response(
        field.storage,
        field.name,
        filename=field.name.rsplit("/", 1)[-1],
        content_type="image/png",
        as_attachment=False,
        max_age=300,
    )
