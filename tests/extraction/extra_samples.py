"""The second sample folder, ``microscopy-extra``: vendors beyond the first set, with the same
kind of manifest (what HyperSpy read from each file, or ``hyperspy_error``)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.extraction.extraction_samples import sample_dir, sample_folder


@lru_cache(maxsize=1)
def extra_dir() -> Path:
    """``$LIMS_EXTRA_SAMPLE_DIR`` or ``microscopy-extra`` beside the first sample folder."""
    return sample_folder("LIMS_EXTRA_SAMPLE_DIR", sample_dir().parent / "microscopy-extra")


@lru_cache(maxsize=1)
def extra_manifest() -> dict[str, Any]:
    """What HyperSpy read from each file of ``microscopy-extra``."""
    manifest: dict[str, Any] = json.loads(
        (extra_dir() / "manifest.json").read_text(encoding="utf-8")
    )
    return manifest


def extra_entries() -> list[dict[str, Any]]:
    """Every manifest entry, readable by HyperSpy or not."""
    return list(extra_manifest()["files"])
