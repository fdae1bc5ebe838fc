"""DRF parsers for uploads: bodies stream through :mod:`lims.files.uploads.handlers`."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import BaseParser, FileUploadParser, MultiPartParser

from lims.files.uploads.handlers import install_upload_handler


def _streaming(parser_context: Any) -> None:
    request = parser_context["request"]
    if not getattr(request._request, "_lims_streaming", False):
        install_upload_handler(request._request)


class StreamingMultiPartParser(MultiPartParser):
    """multipart/form-data whose files stream to disk through the hashing upload handler."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        _streaming(parser_context)
        return super().parse(stream, media_type, parser_context)


class StreamingRawUploadParser(FileUploadParser):
    """The file as the raw request body (no multipart framing to parse: the fastest path);
    its name in ``Content-Disposition: attachment; filename="..."``."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        _streaming(parser_context)
        return super().parse(stream, media_type, parser_context)


class ChunkParser(BaseParser):
    """Raw bytes of a chunk; the upload service reads them from the request stream itself."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return stream
