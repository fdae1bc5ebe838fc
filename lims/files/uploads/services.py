"""Resumable, chunked upload sessions: create, append chunks, complete into ingest, abort.

The bytes of a session collect in a partial file next to storage (:func:`session_path`); the
SHA-256 is kept running across chunks received in order by this process, so completing needs
no second read. Every chunk and the completion check again that the uploader may still
contribute to the dataset. The wire protocol is :mod:`lims.files.uploads.protocol`.

Durability: a chunk is answered once its bytes are written, not after an fsync of its own:
a helper thread syncs them while they arrive and finishes after the answer
(:mod:`lims.files.uploads.writeback`). Completion waits for such helpers and fsyncs the whole
file before it is ingested, so nothing is recorded as stored before it is on disk. An fsync
per chunk left the disk idle between chunks (the next chunk cannot come before the answer).
When the host crashed between a chunk's answer and the completion, the last chunks may be
gone from the partial file: :func:`resume_offset` is then where the file really ends, so the
client sends them again (it keeps its file until completion). When a helper found that the
disk failed to store some of them, nobody can say which: the next chunk or the completion
starts the upload over (a 409 at offset 0, or a 400 saying so).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from pathlib import Path
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.http import UnreadablePostError
from django.utils import timezone

from lims.accounts.models import User
from lims.core.http import IncompleteBody
from lims.core.permissions import Action, require
from lims.core.storage import safe_filename, safe_folder
from lims.datasets.models import Dataset
from lims.files.ingest.register import digest_path
from lims.files.ingest.services import IngestOutcome, file_ingest
from lims.files.models import UploadSession, UploadStatus
from lims.files.uploads import multipart
from lims.files.uploads.errors import (
    UploadConflict,
    UploadError,
    UploadNotStored,
    UploadTooLarge,
    max_upload_bytes,
)
from lims.files.uploads.handlers import CHUNK, BackgroundHasher, partial_dir
from lims.files.uploads.protocol import ChunkRange
from lims.files.uploads.writeback import (
    WriteBehind,
    durable_after_helpers,
    failure_marker,
    sync_failed,
)

CONTRIBUTORS_ONLY = "You may not upload files into this dataset."


class PartialUpload(UploadedFile):
    """A completed session's partial file, offered to storage as a temporary file (moved)."""

    def __init__(self, path: Path, name: str, size: int, sha256: str) -> None:
        super().__init__(path.open("rb"), name=name, size=size)
        self._path = path
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        return str(self._path)


#: A chunk's body is read this much at a time. The hashing thread wants the GIL back after
#: every piece, and a chunk's request (Django, DRF, the token, the database) holds it in
#: between: 4 MiB pieces lose a quarter of the handovers that 1 MiB pieces do (a 1 GB upload
#: in 64 MiB chunks: 1.29-1.66 s against 1.54-1.69 s on the development VM).
SESSION_READ = 4 * CHUNK
#: Pieces that may wait for a session's hash (32 MiB): 20 ms of SHA-256 at 1.6 GB/s, more
#: than the gap between two chunks, at the cost of as much memory per upload.
SESSION_HASH_DEPTH = 8


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
            return BackgroundHasher(depth=SESSION_HASH_DEPTH)
        if item is None or item[0] != offset:
            return None
        try:
            if self._signature(path) != item[1]:
                return None
        except OSError:
            return None
        return item[2]

    def put(self, key: str, offset: int, path: Path, hasher: BackgroundHasher) -> None:
        hasher.release()  # it hashes the rest of this chunk while the answer goes out
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


def resume_offset(session: UploadSession) -> int:
    """Where the session's next chunk must start: the bytes it received, or fewer when its
    partial file holds fewer (a crash of the host lost chunks answered but not yet on disk,
    see the module's docstring)."""
    if session.status != UploadStatus.RECEIVING:
        return session.received
    try:
        local = session_path(session).stat().st_size
    except FileNotFoundError:
        local = 0
    return min(session.received, multipart.stored_bytes(session) + local)


def announced_sha256(value: str) -> str:
    """The SHA-256 a client announced, normalized ("" for none); a malformed one is a 400."""
    sha256 = value.strip().lower()
    if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise UploadError("sha256 must be 64 hexadecimal digits.")
    return sha256


def upload_verify(*, upload: UploadedFile, sha256: str) -> None:
    """Refuse a one-request upload whose bytes are not those the client hashed.

    ``Content-Length`` tells where a body ends, not whether it is the file the client meant
    to send; a client that announces the file's SHA-256 (``sha256``) learns for certain that
    it arrived whole. Raises :class:`UploadError` (nothing is kept) when it differs.
    """
    expected = announced_sha256(sha256)
    received = getattr(upload, "sha256", "")
    if expected and received != expected:
        raise UploadError(
            f"The SHA-256 of the received bytes ({received}) is not the announced one "
            f"({expected}); nothing was kept, send the file again."
        )


def _restart_if_unsynced(session: UploadSession, path: Path) -> str:
    """Start a locked, local session over when a helper thread could not sync its partial
    file (:func:`lims.files.uploads.writeback.sync_failed`: which bytes the disk lost, nobody
    can say): nothing received, the file emptied. The failure, or "" when there was none."""
    failure = sync_failed(path)
    if failure:
        _session_restart(session, path)
    return failure


def _session_restart(session: UploadSession, path: Path) -> None:
    """Start a locked, local session over: nothing received, no running hash, the partial
    file emptied and no failure marker beside it."""
    session.received = 0
    session.save(update_fields=["received", "updated_at"])
    _session_hashers.drop(str(session.uid))
    path.write_bytes(b"")
    failure_marker(path).unlink(missing_ok=True)


def _unsynced_message(failure: str) -> str:
    return (
        f"The server's disk failed to store part of this upload ({failure}); the upload was "
        "reset, send it again from the start."
    )


def upload_session_create(
    *,
    dataset: Dataset,
    user: User,
    filename: str,
    size: int,
    sha256: str = "",
    folder: str = "",
) -> UploadSession:
    """Open a chunked upload of ``size`` bytes named ``filename`` into ``folder`` of
    ``dataset``."""
    require(user, Action.CONTRIBUTE, dataset, CONTRIBUTORS_ONLY)
    if size < 0:
        raise UploadError("The size must be zero or more bytes.")
    if size > max_upload_bytes():
        raise UploadTooLarge()
    sha256 = announced_sha256(sha256)
    session = UploadSession.objects.create(
        dataset=dataset,
        created_by=user,
        filename=safe_filename(filename),
        folder=safe_folder(folder),
        size=size,
        sha256=sha256,
    )
    session_path(session).touch()
    return session


def _commit_without_waiting() -> None:
    """Let this transaction commit without waiting for the database's disk.

    A chunk's row says how far the session got, and its partial file is what holds the bytes:
    :func:`resume_offset` takes the lesser of the two. A commit lost with the database (a
    crash in the next fraction of a second) leaves the row behind the file, and the client
    sends the chunk again from there, which rewrites the same bytes. Waiting cost each chunk
    20-40 ms on the development VM, whose disk was busy syncing the upload itself. Not with
    chunks assembled in an object store, whose row records the parts sent.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def upload_session_append(
    *, session: UploadSession, user: User, chunk: ChunkRange, stream: IO[bytes]
) -> UploadSession:
    """Write the ``chunk`` read from ``stream`` into the session's file.

    The chunk must start where the server has received so far (else :class:`UploadConflict`,
    carrying the right offset) and its total, when given, must be the announced size. When
    the stream ends early (the connection dropped), the bytes that did arrive are kept, and
    the session's ``received`` says where to resume.
    """
    require(user, Action.CONTRIBUTE, session.dataset, CONTRIBUTORS_ONLY)
    offset, length = chunk.start, chunk.length
    if length < 0 or offset < 0:
        raise UploadError("Offsets and lengths are zero or more.")
    if chunk.total is not None and chunk.total != session.size:
        raise UploadError(
            f"The chunk's Content-Range says the file has {chunk.total} bytes; this upload "
            f"announced {session.size}."
        )
    dataset = session.dataset
    local_only = multipart.multipart_storage() is None
    path = session_path(session)
    if local_only and failure_marker(path).exists():  # the disk lost some of what came
        with transaction.atomic():
            locked = UploadSession.objects.select_for_update().get(pk=session.pk)
            receiving = locked.status == UploadStatus.RECEIVING
            failure = _restart_if_unsynced(locked, path) if receiving else ""
        if failure:  # raised once the restart is saved: the client starts again at 0
            raise UploadConflict(_unsynced_message(failure), 0)
    with transaction.atomic():
        if local_only:
            _commit_without_waiting()
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        # The same row the caller loaded and checked: the answer needs it, not a query more
        # per chunk (a browser sends 125 chunks per GB).
        session.dataset = dataset
        if session.status != UploadStatus.RECEIVING:
            raise UploadConflict(f"This upload is {session.status}.", session.received)
        session.received = resume_offset(session)
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
        disk_error: OSError | None = None
        key = str(session.uid)
        hasher = _session_hashers.take(key, offset, path) if path.exists() else None
        with path.open("r+b" if path.exists() else "wb") as handle:
            # The local file holds what the object store does not have yet (all, usually).
            local = offset - multipart.stored_bytes(session)
            handle.seek(local)
            handle.truncate()
            # The helper that syncs the chunk as it comes outlives the request; with chunks
            # assembled in an object store the local file is only where they wait.
            writer = WriteBehind(handle, local, partial=path if local_only else None)
            try:
                while written < length:
                    data = stream.read(min(SESSION_READ, length - written))
                    if not data:
                        break
                    if hasher is not None:
                        hasher.update(data)
                    try:
                        writer.write(data)
                    except OSError as exc:
                        disk_error = exc
                        if hasher is not None:  # it has seen bytes the file does not hold:
                            hasher.release()  # the completion hashes the file instead
                            hasher = None
                        break
                    written += len(data)
            except (OSError, UnreadablePostError, IncompleteBody) as exc:
                interrupted = exc  # the client's connection, not the disk
            writer.release()  # synced as it came, the rest with the next chunk or at completion
        session.received = offset + written
        multipart.parts_send(session, path)
        session.save(update_fields=["received", "store_upload", "updated_at"])
        if hasher is not None:
            _session_hashers.put(key, session.received, path, hasher)
    if disk_error is not None:
        raise UploadNotStored(
            disk_error, f"the bytes before {session.received} are kept, resume there later"
        ) from disk_error
    if interrupted is not None or written < length:
        raise UploadError(
            f"The chunk was interrupted after {written} of {length} bytes; "
            f"resume at {session.received}."
        ) from interrupted
    return session


def _session_digest(session: UploadSession, path: Path) -> tuple[str, int, str]:
    """The SHA-256 and size of a locked session's complete partial file, and why it must be
    sent again ("" when it need not: a SHA-256 other than the announced one resets it)."""
    hasher = _session_hashers.take(str(session.uid), session.size, path)
    if hasher is not None and session.size:
        sha256, size = hasher.hexdigest(), path.stat().st_size
    else:
        sha256, size = digest_path(path)
    if size != session.size:
        raise UploadConflict(
            f"The stored upload has {size} bytes, not {session.size}; send it again.", 0
        )
    if not session.sha256 or sha256 == session.sha256:
        return sha256, size, ""
    _session_restart(session, path)  # the bytes are wrong somewhere, nobody can say where
    return (
        sha256,
        size,
        f"The SHA-256 of the received bytes ({sha256}) is not the announced one "
        f"({session.sha256}); the upload was reset, send it again.",
    )


def upload_session_complete(*, session: UploadSession, user: User) -> IngestOutcome:
    """Check the received bytes against the announced size and SHA-256 and ingest them.

    Completing a session twice gives the same file again.
    """
    require(user, Action.CONTRIBUTE, session.dataset, CONTRIBUTORS_ONLY)
    if multipart.multipart_storage() is not None:
        return _complete_in_store(session=session, user=user)
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status == UploadStatus.COMPLETE and session.file is not None:
            return IngestOutcome(file=session.file, created=False, duplicate=session.duplicate)
        if session.status != UploadStatus.RECEIVING:
            raise UploadConflict(f"This upload is {session.status}.", session.received)
        received = resume_offset(session)
        if received != session.size:
            raise UploadConflict(f"Only {received} of {session.size} bytes have arrived.", received)
        path = session_path(session)
        durable_after_helpers(path)  # on disk before it is recorded (synced as it came)
        failure = _restart_if_unsynced(session, path)
        if failure:
            mismatch, sha256, size = _unsynced_message(failure), "", 0
        else:
            sha256, size, mismatch = _session_digest(session, path)
    if mismatch:
        raise UploadError(mismatch)
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status != UploadStatus.RECEIVING or session.received != session.size:
            raise UploadConflict("This upload changed meanwhile; ask it again.", session.received)
        upload = PartialUpload(path, name=session.filename, size=size, sha256=sha256)
        try:
            outcome = file_ingest(
                dataset=session.dataset,
                upload=upload,
                user=user,
                name=session.filename,
                folder=session.folder,
            )
        finally:
            upload.close()
        session.status = UploadStatus.COMPLETE
        session.file = outcome.file
        session.duplicate = outcome.duplicate
        session.save(update_fields=["status", "file", "duplicate", "updated_at"])
    path.unlink(missing_ok=True)  # still there when the bytes were a duplicate
    return outcome


def _locked_receiving(session: UploadSession) -> UploadSession:
    """The session, locked, when it is complete or has every byte; else UploadConflict."""
    session = UploadSession.objects.select_for_update().get(pk=session.pk)
    if session.status == UploadStatus.COMPLETE and session.file is not None:
        return session
    if session.status != UploadStatus.RECEIVING:
        raise UploadConflict(f"This upload is {session.status}.", session.received)
    received = resume_offset(session)
    if received != session.size:
        raise UploadConflict(f"Only {received} of {session.size} bytes have arrived.", received)
    return session


def _complete_in_store(*, session: UploadSession, user: User) -> IngestOutcome:
    """Completion when the chunks assembled in the object store (:mod:`.multipart`): the
    last part is sent, the store assembles the object, and ingest adopts it in place."""
    path = session_path(session)
    with transaction.atomic():
        session = _locked_receiving(session)
        if session.status == UploadStatus.COMPLETE and session.file is not None:
            return IngestOutcome(file=session.file, created=False, duplicate=session.duplicate)
        hasher = _session_hashers.take(str(session.uid), session.size, path)
        multipart.parts_send(session, path, final=True)
        assembled = multipart.assemble(session)
        session.save(update_fields=["store_upload", "updated_at"])
    # Chunks that reached other web hosts were hashed there: read the object back instead.
    sha256 = hasher.hexdigest() if hasher is not None and session.size else assembled.hash()
    assembled.sha256 = sha256
    if session.sha256 and sha256 != session.sha256:
        assembled.delete()
        UploadSession.objects.filter(pk=session.pk).update(received=0, store_upload={})
        path.write_bytes(b"")
        raise UploadError(
            f"The SHA-256 of the received bytes ({sha256}) is not the announced one "
            f"({session.sha256}); the upload was reset, send it again."
        )
    with transaction.atomic():
        session = _locked_receiving(session)
        if session.status == UploadStatus.COMPLETE and session.file is not None:
            return IngestOutcome(file=session.file, created=False, duplicate=session.duplicate)
        outcome = file_ingest(
            dataset=session.dataset,
            upload=assembled,
            user=user,
            name=session.filename,
            folder=session.folder,
        )
        session.status = UploadStatus.COMPLETE
        session.file = outcome.file
        session.duplicate = outcome.duplicate
        session.save(update_fields=["status", "file", "duplicate", "updated_at"])
    if outcome.duplicate:
        assembled.delete()  # the dataset holds these bytes already
    path.unlink(missing_ok=True)
    return outcome


def upload_session_abort(*, session: UploadSession) -> None:
    """Give up a chunked upload and delete what arrived (in the object store too)."""
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status == UploadStatus.COMPLETE:
            raise UploadConflict("This upload is already complete.", session.received)
        session.status = UploadStatus.ABORTED
        session.save(update_fields=["status", "updated_at"])
    multipart.abort(session)
    _session_hashers.drop(str(session.uid))
    session_path(session).unlink(missing_ok=True)
    failure_marker(session_path(session)).unlink(missing_ok=True)


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
