"""Fixtures for the extraction tests: the shared sample folder, its manifest and results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.extraction.extraction_samples import manifest_files, sample_dir


@pytest.fixture(scope="session")
def samples() -> Path:
    """The sample folder (read-only)."""
    return sample_dir()


@pytest.fixture(scope="session")
def previews_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for all previews written during the session."""
    return tmp_path_factory.mktemp("previews")


@pytest.fixture(scope="session")
def extracted(previews_dir: Path) -> dict[str, Any]:
    """Extraction result (with previews and full metadata) of every manifest file, by path."""
    from extraction import extract

    results = {}
    for entry in manifest_files():
        results[entry["path"]] = extract(
            sample_dir() / entry["path"], previews_dir=previews_dir, full=True
        )
    return results


@pytest.fixture(scope="session")
def extracted_extra(previews_dir: Path) -> dict[str, Any]:
    """Extraction result (previews, full trees) of every ``microscopy-extra`` manifest file,
    by manifest path."""
    from extraction import extract
    from tests.extraction.extra_samples import extra_dir, extra_entries

    return {
        e["path"]: extract(extra_dir() / e["path"], previews_dir=previews_dir, full=True)
        for e in extra_entries()
    }
