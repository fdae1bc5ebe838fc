"""Writing an upload to disk so that it is durable by the time its last byte has arrived.

An upload must be on disk (fsync) before it is recorded (a chunked upload's chunks only at
its completion: :mod:`lims.files.uploads.services`). The time of an fsync goes mostly to the
disk's own cache flush, which grows with the bytes written since the last one: on a virtual
machine's disk (whose host writes the guest's bytes to its own disk on a flush), a 1 GB file
waited 0.75-0.85 s for its fsync after its last byte, with the bytes' own writes accepted in
a third of that. Written then synced, a 1 GB upload took that fsync on top of its receiving
and hashing; with the writeback merely started every few MiB (``sync_file_range``) the disk
still flushed everything at the end.

:class:`WriteBehind` hands the syncing to a helper thread (:class:`_Syncer`) that
``fdatasync``\\ s what has been written, again and again, while the request's thread goes on
receiving, hashing and writing: the flushes overlap the upload, each as large as the bytes
that came during the one before, and the fsync that ends the upload has only the last few
MiB and the metadata left. The request's thread never waits for the disk (a helper thread's
sync does not hold up ``write``), so neither does the hashing it feeds. Measured outside
Django on the development VM (1 GB, write, SHA-256 in a thread and the fsync): 1.20-1.27 s
against 1.53 s with the writeback only started, and 1.37-1.44 s for a plain write and fsync.

Errors: a failed ``fdatasync`` is reported once per open file (Linux's writeback errors are),
here to the helper thread; :meth:`WriteBehind.durable` raises it, and a chunk's helper, which
outlives its request (:meth:`WriteBehind.release`), records it in a marker file beside the
partial file, which the completion checks (:func:`sync_failed`) after its own fsync, having
waited for any helper still at work on the file (:func:`durable_after_helpers`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import threading
from pathlib import Path
from typing import Protocol

#: Bytes written before the helper thread is woken to sync them: the least one flush covers.
WRITEBACK_BYTES = 8 * 1024 * 1024


class Writable(Protocol):
    """A file open for writing (a file object, or Django's ``File`` proxying one)."""

    def write(self, data: bytes, /) -> int | None: ...
    def flush(self) -> None: ...
    def fileno(self) -> int: ...


def failure_marker(path: Path) -> Path:
    """Where a helper thread records that syncing ``path`` failed."""
    return path.with_name(path.name + ".sync-failed")


def sync_failed(path: Path) -> str:
    """The error a helper thread recorded for ``path`` ("" when none did)."""
    try:
        return failure_marker(path).read_text(errors="replace") or "the disk refused a write"
    except FileNotFoundError:
        return ""


def durable_after_helpers(path: Path) -> None:
    """Wait for the helper threads still syncing ``path`` (in any process of this host: they
    hold a lock on it while they sync), then fsync it: on disk when this returns. Check
    :func:`sync_failed` afterwards: an error a helper saw is not reported here again."""
    waiting = _lingering_take(failure_marker(path))
    if waiting is not None:  # this process's helper, waiting for a chunk that won't come
        waiting.stop()
        waiting.join()  # after the sync in progress, if any; the fsync does the rest
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)  # and the lock with it


class _Syncer:
    """The helper thread: ``fdatasync`` whenever at least :data:`WRITEBACK_BYTES` more have
    been written (as told by :meth:`advance`), until :meth:`stop`, or until :meth:`release`
    and everything told is synced.

    It works on its own duplicate of the file's descriptor (the request may close its own
    before this thread is done). With a ``marker``, each sync holds an exclusive ``flock`` on
    the file and a failure is written to the marker before the lock is released. Released,
    it waits ``linger`` seconds for the next chunk of the same upload to :meth:`adopt` it:
    one helper per upload, whose syncs grow with the pace of the bytes, instead of one per
    chunk, each with its own first small sync (each sync costs the disk a journal commit
    and a cache flush, whatever its size). Less than :data:`WRITEBACK_BYTES` left unsynced
    waits with it for the next chunk's bytes; nobody adopting it in time, it syncs them and
    ends.
    """

    def __init__(
        self, descriptor: int, synced: int, marker: Path | None, linger: float = 0.0
    ) -> None:
        self._descriptor = os.dup(descriptor)
        self._marker = marker
        self._linger = linger
        self._condition = threading.Condition()
        self._target = self._synced = synced
        self._stopping = False  # stop after the sync in progress
        self._released = False  # the writer is done: wait to be adopted (a full window synced)
        self._done = False  # the thread ends (or has ended): it cannot be adopted
        self._expired = False  # released and not adopted in time: sync the rest and end
        self._adoptions = 0  # a waiting helper wakes at an adoption, even one released since
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="lims-fdatasync", daemon=True)
        self._thread.start()

    def advance(self, written: int) -> None:
        """Bytes up to ``written`` are in the kernel's hands: sync them next."""
        with self._condition:
            self._target = written
            self._condition.notify()

    def stop(self) -> None:
        """Stop after the sync in progress."""
        with self._condition:
            self._stopping = True
            self._condition.notify()

    def release(self) -> None:
        """Sync everything told so far, then wait to be adopted (or end)."""
        with self._condition:
            self._released = True
            self._condition.notify()

    def adopt(self, offset: int) -> bool:
        """Go on syncing for a writer that starts at ``offset``; False when this thread ends
        (it stopped, failed, or waited long enough) and cannot."""
        with self._condition:
            if self._done or self._stopping or self.error is not None:
                return False
            self._released = self._expired = False
            self._adoptions += 1
            self._target = offset
            self._synced = min(self._synced, offset)
            self._condition.notify()
            return True

    def join(self) -> None:
        self._thread.join()

    def _next(self) -> int | None:
        """The offset to sync up to next, or None to stop."""
        with self._condition:
            while True:
                if self._stopping or self.error is not None:
                    self._done = True
                    return None
                behind = self._target - self._synced
                if behind >= WRITEBACK_BYTES:
                    return self._target
                if not self._released:
                    self._condition.wait()
                    continue
                # Released: the last few MiB wait for the next chunk's bytes to join them
                # (one flush, not one per small chunk), unless nobody adopts it in time.
                if self._expired or not self._linger:
                    if behind > 0:
                        return self._target
                    self._done = True
                    return None
                if not self._condition.wait_for(
                    functools.partial(self._adopted_since, self._adoptions), timeout=self._linger
                ):
                    self._expired = True  # no next chunk came: sync the rest, then end

    def _adopted_since(self, adoptions: int) -> bool:
        """Adopted (or stopped) since ``adoptions`` were counted; the lock is held."""
        return self._adoptions != adoptions or self._stopping

    def _run(self) -> None:
        try:
            while (target := self._next()) is not None:
                self._sync()
                with self._condition:
                    self._synced = target
        finally:
            with self._condition:
                self._done = True
            _lingering_forget(self)
            os.close(self._descriptor)

    def _sync(self) -> None:
        if self._marker is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
        try:
            os.fdatasync(self._descriptor)
        except OSError as error:
            with self._condition:
                self.error = error
            if self._marker is not None:
                with contextlib.suppress(OSError):
                    self._marker.write_text(f"{error.strerror or error}")
        finally:
            if self._marker is not None:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)


#: How long a chunked upload's helper waits for the next chunk (in this process) to adopt it.
LINGER_SECONDS = 2.0
#: Released helpers, by their file's marker, waiting for the next chunk.
_lingering: dict[Path, _Syncer] = {}
_lingering_lock = threading.Lock()


def _lingering_take(marker: Path) -> _Syncer | None:
    with _lingering_lock:
        return _lingering.pop(marker, None)


def _lingering_put(marker: Path, syncer: _Syncer) -> None:
    with _lingering_lock:
        _lingering[marker] = syncer


def _lingering_forget(syncer: _Syncer) -> None:
    with _lingering_lock:
        for marker, waiting in list(_lingering.items()):
            if waiting is syncer:
                del _lingering[marker]


class WriteBehind:
    """Writes to ``handle`` from ``offset`` on while a helper thread syncs what is written
    (see the module); :meth:`durable` makes everything written durable (fsync).

    ``partial``: the path of a chunked upload's partial file (``handle``), whose helper may
    outlive the request (:meth:`release`) and reports a failure through
    :func:`failure_marker`.
    """

    def __init__(self, handle: Writable, offset: int = 0, partial: Path | None = None) -> None:
        self._handle = handle
        self._written = self._told = offset
        self._marker = failure_marker(partial) if partial is not None else None
        self._syncer: _Syncer | None = None
        waiting = _lingering_take(self._marker) if self._marker is not None else None
        if waiting is not None and waiting.adopt(offset):  # the previous chunk's helper
            self._syncer = waiting

    def write(self, data: bytes) -> None:
        """Write ``data`` where the last write ended."""
        self._handle.write(data)
        self._written += len(data)
        if self._written - self._told >= WRITEBACK_BYTES:
            self._tell()

    def _tell(self) -> None:
        self._handle.flush()  # in the kernel's hands, where the helper's sync finds it
        if self._syncer is None:
            linger = LINGER_SECONDS if self._marker is not None else 0.0
            self._syncer = _Syncer(self._handle.fileno(), self._told, self._marker, linger)
        self._syncer.advance(self._written)
        self._told = self._written

    def release(self) -> None:
        """Flush Python's buffer and hand what is left to the helper, without waiting for
        it; the helper then waits a moment for the upload's next chunk
        (:data:`LINGER_SECONDS`). A chunk smaller than :data:`WRITEBACK_BYTES` starts one
        too: without it, chunks that small were never synced until the completion's fsync,
        which then had the whole file to flush (0.3 s per GB on a fast disk, 1 s on a slow
        one)."""
        self._handle.flush()
        if self._syncer is None and self._marker is not None and self._written > self._told:
            self._syncer = _Syncer(self._handle.fileno(), self._told, self._marker, LINGER_SECONDS)
        if self._syncer is not None:
            self._syncer.advance(self._written)
            self._syncer.release()
            if self._marker is not None:
                _lingering_put(self._marker, self._syncer)
            self._syncer = None

    def abandon(self) -> None:
        """The bytes are not wanted (a refused upload): the helper stops after its sync."""
        if self._syncer is not None:
            self._syncer.stop()
            self._syncer = None

    def durable(self) -> None:
        """Flush Python's buffer and fsync: every byte written is on disk when this returns;
        an error the helper thread met is raised here."""
        self._handle.flush()
        if self._syncer is not None:
            self._syncer.stop()
            self._syncer.join()
            error, self._syncer = self._syncer.error, None
            if error is not None:
                raise error
        os.fsync(self._handle.fileno())
