"""Writing an upload to disk so that the disk works while the bytes arrive.

An upload must be on disk (fsync) before it is recorded (a chunked upload's chunks only at
its completion: :mod:`lims.files.uploads.services`). Written and then synced, a 1 GB file
waited 0.3-0.7 s for the fsync after its last byte, with the disk idle while the bytes came
in. :class:`WriteBehind` asks the kernel to start writing each few MiB back as soon as they
are written (Linux's ``sync_file_range`` with ``SYNC_FILE_RANGE_WRITE``, which only starts the
writeback and does not wait for it), so the disk writes while the next bytes are received
and hashed, and the fsync that ends the upload has only the last few MiB and the metadata
left. Durability still comes from that fsync alone: ``sync_file_range`` promises nothing
about it. Where the call does not exist (not Linux), writes are plain and the fsync does all.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import Protocol

#: Bytes written between two writeback requests: enough to make each a large request for the
#: disk, little enough that the data is still in the CPU's caches for none of it to matter.
WRITEBACK_BYTES = 8 * 1024 * 1024
#: ``SYNC_FILE_RANGE_WRITE`` from <fcntl.h>: start writing out dirty pages, do not wait.
_SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's ``sync_file_range``, or None where there is none (os has no wrapper for it)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


_start_writeback = _sync_file_range()


class Writable(Protocol):
    """A file open for writing (a file object, or Django's ``File`` proxying one)."""

    def write(self, data: bytes, /) -> int | None: ...
    def flush(self) -> None: ...
    def fileno(self) -> int: ...


class WriteBehind:
    """Writes to ``handle`` from ``offset`` on, starting the disk's writeback every
    :data:`WRITEBACK_BYTES`; :meth:`durable` makes everything written durable (fsync)."""

    def __init__(self, handle: Writable, offset: int = 0) -> None:
        self._handle = handle
        self._written = self._requested = offset

    def write(self, data: bytes) -> None:
        """Write ``data`` where the last write ended."""
        self._handle.write(data)
        self._written += len(data)
        if self._written - self._requested >= WRITEBACK_BYTES:
            self._writeback()

    def _writeback(self) -> None:
        if _start_writeback is not None:
            self._handle.flush()
            # A failure (an odd file system) costs only the overlap: the fsync still follows.
            _start_writeback(
                self._handle.fileno(),
                self._requested,
                self._written - self._requested,
                _SYNC_FILE_RANGE_WRITE,
            )
        self._requested = self._written

    def flush(self) -> None:
        """Flush Python's buffer and start writing back what is left, without waiting: the
        bytes are the kernel's, on their way to the disk, and an fsync later has little to do."""
        self._handle.flush()
        if self._written > self._requested:
            self._writeback()

    def durable(self) -> None:
        """Flush Python's buffer and fsync: every byte written is on disk when this returns."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
