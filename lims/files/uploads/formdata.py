"""A multipart/form-data body streamed into an upload handler without copying the file's bytes.

Django's multipart parser copies every chunk twice on its way to the upload handler (it joins
what it put back with what it read, then cuts off again the end that might begin a boundary)
and runs several Python layers per chunk: a quarter of a second per GB of a one-shot API
upload, on top of hashing and writing. :func:`form_data_parse` reads the body a chunk at a
time, finds the boundary with ``bytes.find`` and hands the handler views into the chunk it
read (``hashlib`` and file writes take them as they are), so the file's bytes are copied only
into the page cache. Holding back the end of a chunk that may begin a boundary costs a copy
of under a hundred bytes per chunk.

Fields are kept as text (at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes in all; at most
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields and ``DATA_UPLOAD_MAX_NUMBER_FILES`` files); files
go to the handler (:class:`lims.files.uploads.handlers.HashingUploadHandler`: size limit,
hash, disk). A body that is not well-formed (no closing boundary, endless part headers, a
transfer encoding) raises :class:`FormDataError`, and what the handler wrote is the caller's
to discard, as for any refused upload.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters

#: The most bytes one part's headers may take.
MAX_HEADER_BYTES = 16 * 1024
#: Transfer encodings that leave the bytes as they are (RFC 7578 deprecates the others).
IDENTITY_ENCODINGS = {"", "binary", "8bit", "7bit"}


class FormDataError(ValueError):
    """The body is not well-formed multipart/form-data, or passes a limit."""


class Reader(Protocol):
    def read(self, size: int, /) -> bytes: ...


class FileHandler(Protocol):
    """What receives the files: the part of Django's upload handler interface used here."""

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, str] | None = None,
    ) -> None: ...
    def receive_data_chunk(self, raw_data: Any, start: int) -> Any: ...
    def file_complete(self, file_size: int) -> Any: ...


def boundary_of(content_type: str) -> bytes:
    """The boundary a ``multipart/form-data`` Content-Type announces (RFC 2046: 1 to 70
    characters; up to 200 taken, as Django does); FormDataError when it has none."""
    _, params = parse_header_parameters(content_type)
    boundary = params.get("boundary", "")
    if not 0 < len(boundary) <= 200 or not boundary.isascii() or not boundary.isprintable():
        raise FormDataError("The multipart Content-Type has no valid boundary.")
    return boundary.encode("ascii")


def _file_name(value: str) -> str:
    """The last path component of a part's file name, printable characters only ("" when
    none is left, and the part is skipped as Django does)."""
    name = value.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())
    return "" if name in {".", ".."} else name


class _FormData:
    """One body's parsing state: ``feed`` it the chunks, then ask for the ``result``."""

    def __init__(self, boundary: bytes, handler: FileHandler, encoding: str) -> None:
        self.delimiter = b"\r\n--" + boundary
        self.handler, self.encoding = handler, encoding
        self.fields = QueryDict(mutable=True, encoding=encoding)
        self.files: MultiValueDict[str, Any] = MultiValueDict()
        self.state = "preamble"  # then "after" (a delimiter), "headers", "body"; "end"
        # Bytes read but not yet parsed. The first delimiter has no CRLF before it: with one
        # added, every delimiter looks the same.
        self.held = b"\r\n"
        self.name, self.is_file, self.skipped = "", False, False
        self.value: list[bytes] = []
        self.size = 0
        self.counts = {"fields": 0, "files": 0, "field_bytes": 0}

    def feed(self, chunk: bytes) -> None:
        """Parse the next chunk of the body."""
        data, position = chunk, 0
        if self.held and self.state != "body":
            data, self.held = self.held + chunk, b""  # small, or once per part
        while position < len(data) and self.state != "end":
            if self.state == "body":
                position = self._body(data, position)
            elif self.state == "after":
                position = self._after(data, position)
            elif self.state == "headers":
                position = self._headers(data, position)
            else:
                position = self._preamble(data, position)

    def result(self) -> tuple[QueryDict, MultiValueDict[str, Any]]:
        """The fields and files, once the whole body was fed."""
        if self.state != "end":
            raise FormDataError("The multipart body ended before its closing boundary.")
        self.fields._mutable = False
        return self.fields, self.files

    # Each step parses from ``position`` on and returns where it stopped; one that needs
    # more bytes holds the rest back and returns the end.

    def _preamble(self, data: bytes, position: int) -> int:
        found = data.find(self.delimiter, position)
        if found < 0:  # text before the first boundary is skipped
            self.held = data[max(position, len(data) - len(self.delimiter) + 1) :]
            return len(data)
        self.state = "after"
        return found + len(self.delimiter)

    def _after(self, data: bytes, position: int) -> int:
        """Past a delimiter: ``--`` ends the body, CRLF begins a part's headers."""
        if len(data) - position < 2:
            self.held = data[position:]
            return len(data)
        following = data[position : position + 2]
        if following == b"--":
            self.state = "end"
        elif following == b"\r\n":
            self.state = "headers"
        else:
            raise FormDataError("A multipart boundary is followed by neither CRLF nor '--'.")
        return position + 2

    def _headers(self, data: bytes, position: int) -> int:
        end = data.find(b"\r\n\r\n", position)
        if end < 0:
            if len(data) - position > MAX_HEADER_BYTES:
                raise FormDataError("A multipart part's headers are too long.")
            self.held = data[position:]
            return len(data)
        self._part_start(data[position:end])
        self.state = "body"
        return end + 4

    def _body(self, data: bytes, position: int) -> int:
        """Pass the part's bytes on as views into ``data``, up to its closing delimiter."""
        size = len(self.delimiter)
        if self.held:  # the last chunk's end, which might begin the delimiter
            held, self.held = self.held, b""
            bridge = held + data[position : position + size]
            found = bridge.find(self.delimiter)
            if 0 <= found < len(held):
                self._emit(memoryview(bridge)[:found])
                self._part_end()
                return position + found + size - len(held)
            if len(bridge) < len(held) + size - 1:  # too few new bytes to tell
                keep = max(0, len(bridge) - size + 1)
                self._emit(memoryview(bridge)[:keep])
                self.held = bridge[keep:]
                return len(data)
            self._emit(memoryview(held))
        found = data.find(self.delimiter, position)
        if found >= 0:
            self._emit(memoryview(data)[position:found])
            self._part_end()
            return found + size
        keep = max(position, len(data) - size + 1)
        self._emit(memoryview(data)[position:keep])
        self.held = data[keep:]
        return len(data)

    def _part_start(self, raw: bytes) -> None:
        headers: dict[str, str] = {}
        for line in raw.split(b"\r\n"):
            key, colon, value = line.partition(b":")
            if not colon:
                raise FormDataError("A multipart part has a malformed header.")
            name = key.strip().lower().decode("latin-1")
            headers[name] = value.strip().decode(self.encoding, errors="replace")
        if headers.get("content-transfer-encoding", "").lower() not in IDENTITY_ENCODINGS:
            raise FormDataError("Multipart parts with a transfer encoding are not accepted.")
        disposition, params = parse_header_parameters(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in params:
            raise FormDataError("A multipart part has no form-data name.")
        self.name, self.value, self.size = params["name"], [], 0
        self.is_file = "filename" in params
        file_name = _file_name(params.get("filename", ""))
        self.skipped = self.is_file and not file_name
        if self.skipped:
            return
        kind = "files" if self.is_file else "fields"
        self.counts[kind] += 1
        limit = getattr(settings, f"DATA_UPLOAD_MAX_NUMBER_{kind.upper()}")
        if limit is not None and self.counts[kind] > limit:
            raise FormDataError(f"The body has more than {limit} {kind}.")
        if self.is_file:
            content_type, extra = parse_header_parameters(headers.get("content-type", ""))
            charset = extra.pop("charset", None)
            self.handler.new_file(self.name, file_name, content_type, None, charset, extra)

    def _emit(self, data: memoryview) -> None:
        if not data or self.skipped:
            return
        if self.is_file:
            self.handler.receive_data_chunk(data, self.size)
        else:
            self.counts["field_bytes"] += len(data)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and self.counts["field_bytes"] > limit:
                raise FormDataError(f"The body's fields pass {limit} bytes.")
            self.value.append(bytes(data))
        self.size += len(data)

    def _part_end(self) -> None:
        if self.is_file and not self.skipped:
            upload = self.handler.file_complete(self.size)
            if upload is not None:
                self.files.appendlist(self.name, upload)
        elif not self.is_file:
            text = b"".join(self.value).decode(self.encoding, errors="replace")
            self.fields.appendlist(self.name, text)
        self.state = "after"


def form_data_parse(
    *,
    stream: Reader,
    boundary: bytes,
    handler: FileHandler,
    encoding: str = "utf-8",
    chunk_size: int = 1024 * 1024,
) -> tuple[QueryDict, MultiValueDict[str, Any]]:
    """Read a multipart/form-data body from ``stream`` to its end: its fields, and its files
    as the handler's ``file_complete`` returned them."""
    parser = _FormData(boundary, handler, encoding)
    while chunk := stream.read(chunk_size):
        parser.feed(chunk)
    return parser.result()
