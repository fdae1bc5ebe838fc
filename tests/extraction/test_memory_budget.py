"""The read strategy keeps within the memory limit of each extraction, and says so.

A small compressed file may declare far more data than its size on disk: the strategy looks
at what the file declares, and under the worker's memory limit per extraction (the child's
``RLIMIT_AS``) data that would not fit beside the previews are read piece by piece.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from extraction import ExtractionChild
from extraction.declared import declared_bytes
from extraction.read import EAGER_MAX_BYTES
from tests.extraction.written import signal_dict as _signal
from tests.extraction.written import write_with as _write


@pytest.fixture(scope="module")
def declares_120_mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gzip-compressed HSPY file of about 1 MB declaring a 120 MB image stack."""
    path = tmp_path_factory.mktemp("budget") / "stack.hspy"
    data = np.zeros((30, 1000, 1000), dtype=np.float32)
    data[:, 400:600, 400:600] = 1
    signal = _signal(data, ("nm", "nm", "nm"), (True, False, False))
    _write("hspy", path, signal, compression="gzip")
    return path


@pytest.fixture(scope="module")
def child():
    child = ExtractionChild(max_files=10)
    yield child
    child.close()


def test_the_memory_limit_decides_what_is_read_into_memory(declares_120_mb, child, tmp_path):
    size = declares_120_mb.stat().st_size
    assert size < 5 * 1024**2
    assert declared_bytes(declares_120_mb, "HSPY", size) >= 120_000_000
    assert EAGER_MAX_BYTES > 120_000_000  # without a tight limit, it is read at once

    roomy = child.extract(declares_120_mb, previews_dir=tmp_path / "a", memory_limit_mb=4096)
    assert roomy.status == "ok", roomy.error
    assert not [w for w in roomy.warnings if "piece by piece" in w]

    tight = child.extract(declares_120_mb, previews_dir=tmp_path / "b", memory_limit_mb=320)
    assert tight.status == "ok", tight.error
    (note,) = [w for w in tight.warnings if "piece by piece" in w]
    assert note.startswith(
        "read piece by piece: its 114 MB of data do not fit in memory beside the previews "
        "under the memory limit per extraction ("
    )
    assert tight.signals[0].previews["preview"]  # the previews still come
