"""Where the shared sample files are, their manifest and the bad files (used by conftest and
by test modules at collection time)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def sample_folder(variable: str, default: Path) -> Path:
    """``$variable`` or ``default``: a folder of sample files with its ``manifest.json``;
    fails loudly when missing."""
    configured = os.environ.get(variable)
    folder = Path(configured) if configured else default
    if not (folder / "manifest.json").is_file():
        pytest.fail(
            f"Sample instrument files not found at {folder} (set {variable} or provide "
            f"../shared/{default.name} next to the repository); the extraction tests need them.",
            pytrace=False,
        )
    return folder.resolve()


@lru_cache(maxsize=1)
def sample_dir() -> Path:
    """``$LIMS_SAMPLE_DIR`` or ``<repo>/../shared/microscopy``; fails loudly when missing."""
    return sample_folder("LIMS_SAMPLE_DIR", REPO_ROOT.parent / "shared" / "microscopy")


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The test oracle: what HyperSpy read from each sample file."""
    return json.loads((sample_dir() / "manifest.json").read_text(encoding="utf-8"))


def manifest_files() -> list[dict[str, Any]]:
    """Manifest entries (one per readable file)."""
    return list(manifest()["files"])


def bad_files() -> list[Path]:
    """Every file in ``bad/``."""
    return sorted(p for p in (sample_dir() / "bad").iterdir() if p.is_file())
