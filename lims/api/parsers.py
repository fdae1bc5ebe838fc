"""DRF parsers for uploads: bodies stream through :mod:`lims.files.uploads.handlers`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, DataAndFiles, FileUploadParser, MultiPartParser

from lims.files.uploads.formdata import FormDataError, boundary_of, form_data_parse
from lims.files.uploads.handlers import install_upload_handler
from lims.files.uploads.protocol import content_length


def _streaming(parser_context: Any) -> None:
    request = parser_context["request"]
    if not getattr(request._request, "_lims_streaming", False):
        install_upload_handler(request._request)


class StreamingMultiPartParser(MultiPartParser):
    """multipart/form-data whose files stream to disk through the hashing upload handler,
    parsed without copying their bytes (:mod:`lims.files.uploads.formdata`)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        _streaming(parser_context)
        request = parser_context["request"]
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            boundary = boundary_of(str(media_type))
            handlers = request.upload_handlers
            length = content_length(request.META)
            for handler in handlers:
                handler.handle_raw_input(stream, request.META, length, boundary, encoding)
            if stream is None:
                raise FormDataError("The multipart body is empty.")
            data, files = form_data_parse(
                stream=stream, boundary=boundary, handler=handlers[0], encoding=encoding
            )
        except FormDataError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc
        return DataAndFiles(data, files)


class StreamingRawUploadParser(FileUploadParser):
    """The file as the raw request body (no multipart framing to parse: the fastest path);
    its name in ``Content-Disposition: attachment; filename="..."``."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        _streaming(parser_context)
        return super().parse(stream, media_type, parser_context)

    def get_filename(self, stream: Any, media_type: Any, parser_context: Any) -> Any:
        """The name from ``filename*=UTF-8''…`` (RFC 5987) or ``filename="…"``; the latter as
        clients send it, in UTF-8, which the server received as Latin-1 (WSGI headers are)."""
        name = super().get_filename(stream, media_type, parser_context)
        if isinstance(name, str):
            try:
                return name.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                return name  # Latin-1 it was, or already decoded from filename*
        return name


class ChunkParser(BaseParser):
    """Raw bytes of a chunk; the upload service reads them from the request stream itself."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return stream
