"""Request bodies that are what their headers say, or refused.

A WSGI server hands the application the bytes that arrived: when a client announces
``Content-Length: 1000000`` and the connection closes after 400,000 bytes, the body simply
ends early, and every parser (multipart, raw uploads, chunks) would take the shortened body as
the whole. :class:`RequestBodyMiddleware` refuses a malformed ``Content-Length`` with a 400
before any other code reads it, and makes every body read raise :class:`IncompleteBody` (a
400) when the stream ends before the announced length, so no upload is kept from a cut-off
body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class IncompleteBody(BadRequest):
    """The request body ended (or the connection broke) before ``Content-Length`` bytes."""

    def __init__(self, received: int, declared: int) -> None:
        self.received = received
        self.declared = declared
        super().__init__(
            f"The request body ended after {received} of the {declared} bytes its "
            "Content-Length announced (the connection was interrupted?); nothing was kept."
        )


def declared_length(meta: Mapping[str, Any]) -> int | None:
    """The request's ``Content-Length``: None when absent; ValueError when not a number of
    bytes (negative, signed, a float, or not digits at all)."""
    raw = meta.get("CONTENT_LENGTH")
    if raw is None or raw == "":
        return None
    raw = str(raw).strip(" \t")  # whitespace around a field value is not part of it
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"Content-Length must be a number of bytes, not {raw[:40]!r}.")
    return int(raw)


class CompleteBody:
    """A request's body stream that raises :class:`IncompleteBody` instead of ending early.

    Wraps Django's stream (already limited to ``Content-Length``): a read that returns nothing
    while bytes are still owed, or a read the connection breaks, means the client is gone.
    """

    def __init__(self, stream: Any, declared: int) -> None:
        self._stream = stream
        self.declared = declared
        self.received = 0

    def _checked(self, read: Callable[..., bytes], size: int | None) -> bytes:
        try:
            data = read() if size is None or size < 0 else read(size)
        except OSError as exc:  # a connection reset, a timeout: the rest will never come
            raise IncompleteBody(self.received, self.declared) from exc
        self.received += len(data)
        if not data and size != 0 and self.received < self.declared:
            raise IncompleteBody(self.received, self.declared)
        return data

    def read(self, size: int | None = -1, /) -> bytes:
        """Up to ``size`` bytes (all the rest by default); b"" only at the announced end."""
        return self._checked(self._stream.read, size)

    def readline(self, size: int | None = -1, /) -> bytes:
        """One line, as ``io`` streams read it; b"" only at the announced end."""
        return self._checked(self._stream.readline, size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class RequestBodyMiddleware:
    """First in ``MIDDLEWARE``: a malformed ``Content-Length`` is a 400 before anything reads
    the header, and a body shorter than announced cannot be mistaken for a whole one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = declared_length(request.META)
        except ValueError as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        stream = getattr(request, "_stream", None)
        if declared and stream is not None:
            request._stream = CompleteBody(stream, declared)  # type: ignore[attr-defined]
        return self.get_response(request)
