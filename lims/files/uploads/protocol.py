"""The chunked upload protocol on the wire: which bytes a request says it carries.

A chunk is ``PUT /api/uploads/<uid>/`` with its bytes as the body and either
``Content-Range: bytes START-END/TOTAL`` (END inclusive; TOTAL may be ``*``) or
``Upload-Offset: START``. A body longer than its range is refused, never truncated; a body
that ends before its range does (a dropped connection) keeps what arrived, and the session
says where to resume. See docs/ingest.md for the whole protocol.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lims.core.http import declared_length
from lims.files.uploads.errors import UploadError

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class ChunkRange:
    """Where a chunk goes: ``length`` bytes at ``start`` of a file of ``total`` bytes."""

    start: int
    length: int
    total: int | None = None


def content_length(meta: Mapping[str, Any]) -> int:
    """The request body's declared length; a missing one is 0, a malformed one a 400."""
    try:
        return declared_length(meta) or 0
    except ValueError as exc:
        raise UploadError(str(exc)) from exc


def chunk_range(meta: Mapping[str, Any]) -> ChunkRange:
    """The chunk a request carries, from its headers (a WSGI ``META`` mapping)."""
    body = content_length(meta)
    header = str(meta.get("HTTP_CONTENT_RANGE") or "").strip()
    if header:
        match = _CONTENT_RANGE.match(header)
        if not match:
            raise UploadError("Content-Range must read 'bytes START-END/TOTAL'.")
        start, end = int(match.group(1)), int(match.group(2))
        if end < start:
            raise UploadError("Content-Range ends before it starts.")
        total = None if match.group(3) == "*" else int(match.group(3))
        if total is not None and end >= total:
            raise UploadError(f"Content-Range ends at byte {end}, past its total of {total}.")
        length = end - start + 1
        if body > length:
            raise UploadError(
                f"The chunk's body has {body} bytes (Content-Length) but its Content-Range "
                f"announces {length}."
            )
        return ChunkRange(start=start, length=length, total=total)
    offset = str(meta.get("HTTP_UPLOAD_OFFSET") or "").strip()
    if not offset.isdigit():
        raise UploadError("Send Content-Range (or Upload-Offset) with each chunk.")
    return ChunkRange(start=int(offset), length=body)
