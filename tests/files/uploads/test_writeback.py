"""Uploads synced by a helper thread while they arrive: same bytes, same place, and every
failure of that thread reaches whoever records the upload."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from pathlib import Path

import pytest

from lims.files.uploads import writeback
from lims.files.uploads.writeback import (
    WRITEBACK_BYTES,
    WriteBehind,
    durable_after_helpers,
    failure_marker,
    sync_failed,
)
from tests.waiting import eventually


def _helpers_alive() -> int:
    return sum(t.name == "lims-fdatasync" and t.is_alive() for t in threading.enumerate())


@pytest.fixture
def syncs(monkeypatch) -> list[tuple[int, int]]:
    """Every fdatasync: the file's inode and its size at the time."""
    seen: list[tuple[int, int]] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        stat = os.fstat(fd)
        seen.append((stat.st_ino, stat.st_size))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return seen


@pytest.fixture
def failing_syncs(monkeypatch) -> list[int]:
    """fdatasync fails as a failing disk's does; the descriptors it was asked for."""
    asked: list[int] = []

    def fdatasync(fd: int) -> None:
        asked.append(fd)
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return asked


def test_bytes_land_exactly_where_the_writes_go(tmp_path):
    path = tmp_path / "session.part"
    path.write_bytes(b"kept" * 10)
    pieces = [os.urandom(WRITEBACK_BYTES // 3 + n) for n in range(7)]  # over two windows
    with path.open("r+b") as handle:
        handle.seek(8)
        handle.truncate()
        writer = WriteBehind(handle, 8)
        for piece in pieces:
            writer.write(piece)
        writer.durable()
    assert path.read_bytes() == b"keptkept" + b"".join(pieces)


def test_the_bytes_are_synced_while_more_still_arrive(tmp_path, syncs):
    path = tmp_path / "upload.bin"
    with path.open("wb") as handle:
        writer = WriteBehind(handle)
        for _ in range(3):
            writer.write(os.urandom(WRITEBACK_BYTES))
        inode = os.fstat(handle.fileno()).st_ino
        # Before the upload's end, a helper has synced at least the first window.
        assert eventually(lambda: any(i == inode and size >= WRITEBACK_BYTES for i, size in syncs))
        writer.durable()
    assert eventually(lambda: _helpers_alive() == 0)


def test_a_small_file_starts_no_helper(tmp_path, syncs):
    path = tmp_path / "small.bin"
    with path.open("wb") as handle:
        writer = WriteBehind(handle)
        writer.write(b"x" * (WRITEBACK_BYTES - 1))
        writer.durable()  # its fsync alone
    assert syncs == []
    assert path.stat().st_size == WRITEBACK_BYTES - 1


def test_a_failed_sync_is_raised_where_the_upload_is_made_durable(tmp_path, failing_syncs):
    # Linux reports a writeback error once per open file: here the helper's, so it must
    # reach the request that would otherwise record the upload as stored.
    path = tmp_path / "upload.bin"
    with path.open("wb") as handle:
        writer = WriteBehind(handle)
        writer.write(os.urandom(2 * WRITEBACK_BYTES))
        assert eventually(lambda: len(failing_syncs) > 0)
        with pytest.raises(OSError) as raised:
            writer.durable()
    assert raised.value.errno == errno.EIO


def test_an_abandoned_upload_stops_its_helper(tmp_path):
    path = tmp_path / "refused.bin"
    with path.open("wb") as handle:
        writer = WriteBehind(handle)
        writer.write(os.urandom(2 * WRITEBACK_BYTES))
        writer.abandon()
    path.unlink()
    assert eventually(lambda: _helpers_alive() == 0)


def test_a_released_chunk_is_synced_to_its_end_after_the_request(tmp_path, syncs):
    path = tmp_path / "session.part"
    size = WRITEBACK_BYTES * 3 // 2
    with path.open("wb") as handle:
        writer = WriteBehind(handle, partial=path)
        writer.write(os.urandom(size))
        writer.release()  # the chunk is answered; its handle closes
    inode = path.stat().st_ino
    assert eventually(lambda: (inode, size) in syncs)
    assert eventually(lambda: _helpers_alive() == 0)
    assert sync_failed(path) == ""


def test_a_released_chunks_failed_sync_is_left_beside_its_file(tmp_path, failing_syncs):
    path = tmp_path / "session.part"
    with path.open("wb") as handle:
        writer = WriteBehind(handle, partial=path)
        writer.write(os.urandom(WRITEBACK_BYTES + 1))
        writer.release()
    assert eventually(lambda: failure_marker(path).exists())
    durable_after_helpers(path)  # as the completion does: the marker is written under the lock
    assert sync_failed(path) == os.strerror(errno.EIO)


def test_the_completion_waits_for_a_helper_still_syncing(tmp_path):
    path = tmp_path / "session.part"
    path.write_bytes(b"bytes")
    busy = os.open(path, os.O_RDONLY)  # stands for a helper in another process, mid-sync
    fcntl.flock(busy, fcntl.LOCK_EX)
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (durable_after_helpers(path), done.set()))
    waiter.start()
    try:
        assert not done.wait(0.3)
    finally:
        fcntl.flock(busy, fcntl.LOCK_UN)
        os.close(busy)
    assert done.wait(10)
    waiter.join()


def test_no_marker_reads_as_no_failure(tmp_path: Path):
    assert sync_failed(tmp_path / "session.part") == ""


def test_the_next_chunk_adopts_the_helper_of_the_one_before(tmp_path, syncs, monkeypatch):
    monkeypatch.setattr(writeback, "LINGER_SECONDS", 0.5)
    assert eventually(lambda: _helpers_alive() == 0)  # none left by other tests
    path = tmp_path / "session.part"
    first, second = os.urandom(WRITEBACK_BYTES + 10), os.urandom(WRITEBACK_BYTES + 20)
    with path.open("wb") as handle:
        writer = WriteBehind(handle, partial=path)
        writer.write(first)
        writer.release()
    helpers = {t for t in threading.enumerate() if t.name == "lims-fdatasync"}
    assert len(helpers) == 1
    with path.open("r+b") as handle:
        handle.seek(len(first))
        writer = WriteBehind(handle, len(first), partial=path)
        writer.write(second)
        writer.release()
    # one helper went on with the second chunk, and synced it to its end
    assert {t for t in threading.enumerate() if t.name == "lims-fdatasync"} <= helpers
    inode = path.stat().st_ino
    assert eventually(lambda: (inode, len(first) + len(second)) in syncs)
    # with no third chunk it ends after waiting a moment
    assert eventually(lambda: _helpers_alive() == 0, seconds=5)
    assert path.read_bytes() == first + second


#: A chunk under the window: three of them make one.
SMALL_CHUNK = WRITEBACK_BYTES // 3 + 1


def _small_chunks(path: Path, count: int) -> None:
    """``count`` chunks of :data:`SMALL_CHUNK`, each in its own request, as a session sends
    them: a handle and a writer each, released at the chunk's end."""
    path.write_bytes(b"")
    for n in range(count):
        with path.open("r+b") as handle:
            handle.seek(n * SMALL_CHUNK)
            writer = WriteBehind(handle, n * SMALL_CHUNK, partial=path)
            writer.write(os.urandom(SMALL_CHUNK))
            writer.release()


def test_chunks_smaller_than_a_window_are_synced_before_the_completion(
    tmp_path, syncs, monkeypatch
):
    """Chunks of a few MiB each start no helper of their own: their bytes wait together in
    one helper, which syncs them once a window has come (not one flush per chunk), and the
    rest when no next chunk comes."""
    monkeypatch.setattr(writeback, "LINGER_SECONDS", 1.5)
    assert eventually(lambda: _helpers_alive() == 0)
    path = tmp_path / "session.part"
    _small_chunks(path, 4)
    inode = path.stat().st_ino
    assert eventually(lambda: (inode, 4 * SMALL_CHUNK) in syncs)  # the rest: no 5th chunk
    assert 1 <= len(syncs) <= 2  # not one flush per chunk
    assert syncs[0][1] >= 3 * SMALL_CHUNK
    assert eventually(lambda: _helpers_alive() == 0)


def test_the_completion_stops_a_helper_waiting_for_another_chunk(tmp_path, syncs):
    assert eventually(lambda: _helpers_alive() == 0)
    path = tmp_path / "session.part"
    with path.open("wb") as handle:
        writer = WriteBehind(handle, partial=path)
        writer.write(os.urandom(1024))
        writer.release()
    assert _helpers_alive() == 1  # it lingers, its kilobyte not yet synced
    durable_after_helpers(path)
    assert _helpers_alive() == 0
    assert syncs == []  # the completion's own fsync made the kilobyte durable


def test_a_waiting_helper_wakes_when_the_next_chunks_fill_a_window(tmp_path, syncs, monkeypatch):
    """Each small chunk is adopted and released again before the helper looks: it must
    still wake and sync the window then, not when its wait for a next chunk runs out."""
    monkeypatch.setattr(writeback, "LINGER_SECONDS", 60)
    assert eventually(lambda: _helpers_alive() == 0)
    path = tmp_path / "session.part"
    try:
        _small_chunks(path, 3)
        inode = path.stat().st_ino
        assert eventually(lambda: (inode, 3 * SMALL_CHUNK) in syncs, seconds=5)
    finally:
        durable_after_helpers(path)  # the completion: the helper stops, no minute's wait
    assert _helpers_alive() == 0
