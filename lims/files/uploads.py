"""Getting bytes in: a streaming upload handler and resumable, chunked upload sessions.

Both write to disk as the bytes arrive (a multi-GB file never sits in memory), compute the
SHA-256 on the way, refuse more than ``LIMS_MAX_UPLOAD_BYTES``, and hand a temporary file to
:func:`lims.files.services.file_ingest`, which moves it into storage (a rename when the temporary
folder is on the storage's file system).

The chunked protocol (see docs/ingest.md): create a session with the name and size →
send chunks at the offset the server has received → ask the session for that offset to
resume after an interruption → complete it, which checks size and SHA-256 and ingests the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import wraps
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from lims.accounts.models import User
from lims.core.storage import safe_filename
from lims.datasets.models import Dataset
from lims.files.models import UploadSession, UploadStatus
from lims.files.services import IngestOutcome, digest_path, file_ingest

CHUNK = 1024 * 1024
#: Multipart framing around one file (boundaries, headers, other small fields).
MULTIPART_SLACK = 64 * 1024


class UploadError(Exception):
    """An upload that cannot be accepted; ``status`` is the HTTP status that says why."""

    status = 400


class UploadTooLarge(UploadError):
    """More bytes than ``LIMS_MAX_UPLOAD_BYTES``."""

    status = 413

    def __init__(self, limit: int | None = None) -> None:
        self.limit = max_upload_bytes() if limit is None else limit
        super().__init__(
            f"The file is larger than the limit of {_human(self.limit)} "
            f"({self.limit} bytes) per file."
        )


class UploadConflict(UploadError):
    """A chunk at the wrong offset, or a session that is no longer receiving."""

    status = 409

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


class BackgroundHasher:
    """SHA-256 computed in a helper thread while the caller writes the same bytes to disk.

    ``hashlib`` releases the GIL on large buffers, so hashing a chunk overlaps with writing
    (and parsing) the next one; at most one chunk waits, so memory stays bounded.
    """

    _executor: ThreadPoolExecutor | None = None

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._pending: Future[None] | None = None

    @classmethod
    def _pool(cls) -> ThreadPoolExecutor:
        if cls._executor is None:
            cls._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lims-sha256")
        return cls._executor

    def update(self, data: bytes) -> None:
        """Hash ``data`` after the previous chunk (``data`` must not change afterwards)."""
        if self._pending is not None:
            self._pending.result()
        if len(data) < 256 * 1024:
            self._sha.update(data)
            self._pending = None
        else:
            self._pending = self._pool().submit(self._sha.update, data)

    def hexdigest(self) -> str:
        """The digest of everything given so far."""
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        return self._sha.hexdigest()


def _human(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} bytes"


def max_upload_bytes() -> int:
    """The largest file accepted, in bytes."""
    return int(settings.LIMS_MAX_UPLOAD_BYTES)


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
        self.sha = BackgroundHasher()
        self.received = 0

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

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = StreamedUpload(self.file_name, self.content_type, 0, self.charset)
        self.sha = BackgroundHasher()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self.file is not None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()
            raise UploadTooLarge(self.limit)
        self.sha.update(raw_data)  # in a helper thread, while this one writes
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> StreamedUpload | None:
        assert self.file is not None
        self.file.flush()
        os.fsync(self.file.fileno())  # stored safely before anything is recorded
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.sha.hexdigest()
        return self.file

    def upload_interrupted(self) -> None:
        if self.file is not None:
            self.file.close()


def install_upload_handler(request: HttpRequest) -> None:
    """Make ``request`` stream its uploaded files through :class:`HashingUploadHandler`."""
    request.upload_handlers = [HashingUploadHandler(request)]


def streaming_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a Django (non-API) view that receives files so that they stream through
    :class:`HashingUploadHandler`, and a file over the limit gets a 413 with the reason.

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
        except UploadTooLarge as exc:
            return HttpResponse(str(exc), status=413, content_type="text/plain; charset=utf-8")

    return wrapper


# --- Chunked, resumable sessions -------------------------------------------------------------


class PartialUpload(UploadedFile):
    """A completed session's partial file, offered to storage as a temporary file (moved)."""

    def __init__(self, path: Path, name: str, size: int, sha256: str) -> None:
        super().__init__(path.open("rb"), name=name, size=size)
        self._path = path
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        return str(self._path)


class _SessionHashers:
    """The running SHA-256 of sessions whose chunks this process received in order.

    Completing such a session needs no second read of the file. A chunk handled by another
    process (several web servers) changes the file behind our back; the file's stat tells,
    and completion then hashes the file instead.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[int, tuple[int, int, int], BackgroundHasher]] = (
            OrderedDict()
        )

    @staticmethod
    def _signature(path: Path) -> tuple[int, int, int]:
        stat = path.stat()
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def take(self, key: str, offset: int, path: Path) -> BackgroundHasher | None:
        """The hasher that has seen exactly the first ``offset`` bytes of ``path``."""
        with self._lock:
            item = self._items.pop(key, None)
        if offset == 0:
            return BackgroundHasher()
        if item is None or item[0] != offset:
            return None
        try:
            if self._signature(path) != item[1]:
                return None
        except OSError:
            return None
        return item[2]

    def put(self, key: str, offset: int, path: Path, hasher: BackgroundHasher) -> None:
        with self._lock:
            self._items[key] = (offset, self._signature(path), hasher)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


_session_hashers = _SessionHashers()


def session_path(session: UploadSession) -> Path:
    """The file where a session's bytes collect."""
    return partial_dir() / f"session-{session.uid}.part"


def upload_session_create(
    *, dataset: Dataset, user: User, filename: str, size: int, sha256: str = ""
) -> UploadSession:
    """Open a chunked upload of ``size`` bytes named ``filename`` into ``dataset``."""
    if size < 0:
        raise UploadError("The size must be zero or more bytes.")
    if size > max_upload_bytes():
        raise UploadTooLarge()
    sha256 = sha256.strip().lower()
    if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise UploadError("sha256 must be 64 hexadecimal digits.")
    session = UploadSession.objects.create(
        dataset=dataset,
        created_by=user,
        filename=safe_filename(filename),
        size=size,
        sha256=sha256,
    )
    session_path(session).touch()
    return session


def upload_session_append(
    *, session: UploadSession, offset: int, length: int, stream: IO[bytes]
) -> UploadSession:
    """Write ``length`` bytes read from ``stream`` at ``offset`` of the session's file.

    ``offset`` must be what the server has received so far (else :class:`UploadConflict`,
    carrying the right offset). When the stream ends early (the connection dropped), the bytes
    that did arrive are kept, and the session's ``received`` says where to resume.
    """
    if length < 0 or offset < 0:
        raise UploadError("Offsets and lengths are zero or more.")
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status != UploadStatus.RECEIVING:
            raise UploadConflict(f"This upload is {session.status}.", session.received)
        if offset != session.received:
            raise UploadConflict(
                f"Expected the chunk at offset {session.received}, got {offset}.",
                session.received,
            )
        if offset + length > session.size:
            raise UploadError(
                f"The chunk ends at {offset + length}, past the announced size {session.size}."
            )
        written = 0
        interrupted: Exception | None = None
        path = session_path(session)
        key = str(session.uid)
        hasher = _session_hashers.take(key, offset, path) if path.exists() else None
        with path.open("r+b" if path.exists() else "wb") as handle:
            handle.seek(offset)
            handle.truncate()
            try:
                while written < length:
                    data = stream.read(min(CHUNK, length - written))
                    if not data:
                        break
                    if hasher is not None:
                        hasher.update(data)
                    handle.write(data)
                    written += len(data)
            except (OSError, UnreadablePostError) as exc:
                interrupted = exc
            handle.flush()
            os.fsync(handle.fileno())
        session.received = offset + written
        session.save(update_fields=["received", "updated_at"])
        if hasher is not None:
            _session_hashers.put(key, session.received, path, hasher)
    if interrupted is not None or written < length:
        raise UploadError(
            f"The chunk was interrupted after {written} of {length} bytes; "
            f"resume at {session.received}."
        ) from interrupted
    return session


def upload_session_complete(*, session: UploadSession, user: User) -> IngestOutcome:
    """Check the received bytes against the announced size and SHA-256 and ingest them.

    Completing a session twice gives the same file again.
    """
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status == UploadStatus.COMPLETE and session.file is not None:
            return IngestOutcome(file=session.file, created=False, duplicate=session.duplicate)
        if session.status != UploadStatus.RECEIVING:
            raise UploadConflict(f"This upload is {session.status}.", session.received)
        if session.received != session.size:
            raise UploadConflict(
                f"Only {session.received} of {session.size} bytes have arrived.",
                session.received,
            )
        path = session_path(session)
        hasher = _session_hashers.take(str(session.uid), session.size, path)
        if hasher is not None and session.size:
            sha256, size = hasher.hexdigest(), path.stat().st_size
        else:
            sha256, size = digest_path(path)
        if size != session.size:
            raise UploadConflict(
                f"The stored upload has {size} bytes, not {session.size}; send it again.", 0
            )
        if session.sha256 and sha256 != session.sha256:
            # Start over: the bytes are wrong somewhere, and nobody can say where.
            session.received = 0
            session.save(update_fields=["received", "updated_at"])
            path.write_bytes(b"")
            mismatch = (
                f"The SHA-256 of the received bytes ({sha256}) is not the announced one "
                f"({session.sha256}); the upload was reset, send it again."
            )
        else:
            mismatch = ""
    if mismatch:
        raise UploadError(mismatch)
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status != UploadStatus.RECEIVING or session.received != session.size:
            raise UploadConflict("This upload changed meanwhile; ask it again.", session.received)
        upload = PartialUpload(path, name=session.filename, size=size, sha256=sha256)
        try:
            outcome = file_ingest(
                dataset=session.dataset, upload=upload, user=user, name=session.filename
            )
        finally:
            upload.close()
        session.status = UploadStatus.COMPLETE
        session.file = outcome.file
        session.duplicate = outcome.duplicate
        session.save(update_fields=["status", "file", "duplicate", "updated_at"])
    path.unlink(missing_ok=True)  # still there when the bytes were a duplicate
    return outcome


def upload_session_abort(*, session: UploadSession) -> None:
    """Give up a chunked upload and delete what arrived."""
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status == UploadStatus.COMPLETE:
            raise UploadConflict("This upload is already complete.", session.received)
        session.status = UploadStatus.ABORTED
        session.save(update_fields=["status", "updated_at"])
    _session_hashers.drop(str(session.uid))
    session_path(session).unlink(missing_ok=True)


def upload_sessions_expire(*, idle_for: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Abandon the chunked uploads nobody touched for ``idle_for`` and delete their bytes.

    Returns how many were abandoned. Run daily (``expire_upload_sessions`` task).
    """
    cutoff = timezone.now() - idle_for
    stale = UploadSession.objects.filter(status=UploadStatus.RECEIVING, updated_at__lt=cutoff)
    count = 0
    for session in stale.iterator():
        upload_session_abort(session=session)
        count += 1
    return count
