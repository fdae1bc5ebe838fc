"""Uploads written with the disk's writeback started as they arrive: same bytes, same place."""

from __future__ import annotations

import os
import sys

import pytest

from lims.files.uploads import writeback
from lims.files.uploads.writeback import WRITEBACK_BYTES, WriteBehind


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sync_file_range is Linux's")
def test_linux_starts_the_writeback_while_writing():
    assert writeback._start_writeback is not None


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


def test_a_failing_writeback_request_loses_nothing(tmp_path, monkeypatch):
    # An odd file system may refuse sync_file_range (it returns -1): only the overlap is lost.
    monkeypatch.setattr(writeback, "_start_writeback", lambda *args: -1)
    data = os.urandom(WRITEBACK_BYTES + 1)
    path = tmp_path / "upload.bin"
    with path.open("wb") as handle:
        writer = WriteBehind(handle)
        writer.write(data)
        writer.durable()
    assert path.read_bytes() == data
