"""Streaming uploaded bytes to disk: hashed on the way, size-limited, never whole in memory.

:class:`HashingUploadHandler` is Django's upload handler for every view that receives files
(the API's uploads through :func:`install_upload_handler`, the browser form through
:func:`streaming_uploads`). It writes each file to a temporary file in :func:`partial_dir`,
computes its SHA-256 in a helper thread while writing, refuses more than
``LIMS_MAX_UPLOAD_BYTES``, and hands the file to ingest, which moves it into storage. A body
that ends before its ``Content-Length`` (:class:`lims.core.http.IncompleteBody`) leaves
nothing behind: :func:`uploads_discard` removes what arrived.
"""

from __future__ import annotations

import hashlib
import queue
import tempfile
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from lims.core.http import IncompleteBody
from lims.files.uploads.errors import (
    UploadError,
    UploadNotStored,
    UploadTooLarge,
    max_upload_bytes,
)
from lims.files.uploads.writeback import WriteBehind

CHUNK = 1024 * 1024
#: Multipart framing around one file (boundaries, headers, other small fields).
MULTIPART_SLACK = 64 * 1024


class BackgroundHasher:
    """SHA-256 computed in a helper thread while the caller writes the same bytes to disk.

    ``hashlib`` releases the GIL on large buffers, so hashing overlaps with writing (and
    parsing). Up to ``DEPTH`` pieces may wait for the hash (memory stays bounded): with one,
    the writer stalled whenever the hashing thread fell behind for a moment (it competes for
    the CPU with everything else), and a 1 GB upload spent a third of its time waiting for it.
    A chunked upload's hasher waits deeper (``depth``): between two chunks (an answer, the next
    request, its authentication and database work: 5-10 ms) the thread hashes what is waiting,
    so that it never idles where hashing is slower than the disk.
    """

    #: pieces (:data:`CHUNK`) that may wait to be hashed
    DEPTH = 8

    def __init__(self, depth: int = DEPTH) -> None:
        self._depth = depth
        self._sha = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False  # the helper thread was told to stop once the queue is hashed
        self._error: BaseException | None = None

    def _hash_queued(self) -> None:
        assert self._queue is not None
        while (data := self._queue.get()) is not None:
            try:
                self._sha.update(data)
            except BaseException as exc:  # reported by hexdigest(); keep draining the queue
                self._error = exc

    def update(self, data: bytes) -> None:
        """Hash ``data`` after the chunks before it (``data`` must not change afterwards)."""
        if self._stopping:
            self._join()  # it hashes what came before: wait for it, keep the order
        if self._thread is None:
            if len(data) < 256 * 1024:  # small pieces: not worth a thread
                self._sha.update(data)
                return
            self._queue = queue.Queue(maxsize=self._depth)
            self._thread = threading.Thread(
                target=self._hash_queued, name="lims-sha256", daemon=True
            )
            self._thread.start()
        assert self._queue is not None
        self._queue.put(data)

    def release(self) -> None:
        """Let the helper thread hash what is waiting and then stop, without waiting for it:
        call before keeping a hasher between requests (a chunked upload's), so that the last
        MiB of a chunk are hashed while its answer and the next chunk's request go by, and no
        thread is left waiting for a chunk that may never come. The next :meth:`update` or
        :meth:`hexdigest` waits for it."""
        if self._thread is not None and not self._stopping:
            assert self._queue is not None
            self._queue.put(None)
            self._stopping = True

    def _join(self) -> None:
        self.release()
        if self._thread is not None:
            self._thread.join()
            self._thread = self._queue = None
            self._stopping = False

    def settle(self) -> None:
        """Hash what is waiting and stop the helper thread (the next update starts another)."""
        self._join()
        if self._error is not None:
            raise self._error

    def hexdigest(self) -> str:
        """The digest of everything given so far."""
        self.settle()
        return self._sha.hexdigest()


def partial_dir() -> Path:
    """Where uploads collect before they are ingested.

    ``FILE_UPLOAD_TEMP_DIR`` when set; otherwise a hidden folder inside local storage, so
    that ingest is a rename. Web servers on several hosts must share it (as they share
    storage), since consecutive chunks may reach different hosts.
    """
    if settings.FILE_UPLOAD_TEMP_DIR:
        folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    elif isinstance(default_storage, FileSystemStorage):
        folder = Path(settings.MEDIA_ROOT) / ".partial"
    else:
        folder = Path(tempfile.gettempdir()) / "lims-partial"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class StreamedUpload(TemporaryUploadedFile):
    """An uploaded file on disk whose SHA-256 was computed while it was written."""

    def __init__(
        self,
        name: str,
        content_type: str | None,
        size: int | None,
        charset: str | None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed (and deleted) by close()
            suffix=".upload" + Path(name).suffix[:20], dir=partial_dir()
        )
        UploadedFile.__init__(self, handle, name, content_type, size, charset, content_type_extra)
        self.sha256 = ""


class HashingUploadHandler(FileUploadHandler):
    """Streams each uploaded file to a temporary file, hashing it and enforcing the size limit.

    Install it before the request body is read: :func:`install_upload_handler`.
    """

    chunk_size = CHUNK

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.file: StreamedUpload | None = None
        self.writer: WriteBehind | None = None
        self.files: list[StreamedUpload] = []
        self.sha = BackgroundHasher()
        self.received = 0
        self.raw_length: int | None = None

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        # Refuse at once what announces itself as too large, before reading a byte.
        if content_length and content_length > self.limit + MULTIPART_SLACK:
            raise UploadTooLarge(self.limit)
        if not boundary:  # the raw body is the file: it must have every announced byte
            self.raw_length = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = StreamedUpload(self.file_name, self.content_type, 0, self.charset)
        self.writer = WriteBehind(self.file)
        self.files.append(self.file)
        self.sha = BackgroundHasher()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self.file is not None and self.writer is not None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.writer.abandon()
            self.file.close()
            raise UploadTooLarge(self.limit)
        self.sha.update(raw_data)  # in a helper thread, while this one writes
        try:
            self.writer.write(raw_data)  # and another syncs what came before
        except OSError as error:
            raise UploadNotStored(error) from error

    def file_complete(self, file_size: int) -> StreamedUpload | None:
        assert self.file is not None and self.writer is not None
        if self.raw_length is not None and file_size != self.raw_length:
            # RequestBodyMiddleware catches this first; this holds wherever a body comes from.
            self.discard()
            raise IncompleteBody(file_size, self.raw_length)
        try:
            self.writer.durable()  # stored safely before anything is recorded
        except OSError as error:
            raise UploadNotStored(error) from error
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.sha.hexdigest()
        return self.file

    def upload_interrupted(self) -> None:
        if self.writer is not None:
            self.writer.abandon()
        if self.file is not None:
            self.file.close()

    def discard(self) -> None:
        """Delete every temporary file of this request (its body was refused)."""
        if self.writer is not None:
            self.writer.abandon()
        for upload in self.files:
            upload.close()
        self.files = []


def uploads_discard(request: HttpRequest) -> None:
    """Delete what a refused request had written to disk so far (nothing of it is kept)."""
    for handler in getattr(request, "upload_handlers", ()):
        if isinstance(handler, HashingUploadHandler):
            handler.discard()


def install_upload_handler(request: HttpRequest) -> None:
    """Make ``request`` stream its uploaded files through :class:`HashingUploadHandler`."""
    request.upload_handlers = [HashingUploadHandler(request)]


def streaming_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a Django (non-API) view that receives files so that they stream through
    :class:`HashingUploadHandler`; a file over the limit gets a 413 with the reason, a body
    cut short a 400, and what arrived of a refused body is deleted.

    The CSRF check reads the request body, so it must run after the handler is installed:
    the view is CSRF-exempted from the middleware and protected inside (as Django's
    documentation on modifying upload handlers says).
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        install_upload_handler(request)
        try:
            return protected(request, *args, **kwargs)
        except (UploadError, IncompleteBody) as exc:
            uploads_discard(request)
            status = exc.status if isinstance(exc, UploadError) else 400
            return HttpResponse(str(exc), status=status, content_type="text/plain; charset=utf-8")

    return wrapper
