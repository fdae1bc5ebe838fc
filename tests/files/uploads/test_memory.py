"""The web processes' C heap is set for streaming uploads."""

from __future__ import annotations

import platform
import sys

import pytest

from lims.files.uploads.memory import malloc_tune_for_uploads


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)
def test_glibc_takes_the_thresholds():
    assert malloc_tune_for_uploads() is True
