"""Real instrument files, extracted once per session and written into files as the pipeline
does (``result_apply``), so the index is built from what extraction really finds."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from extraction import extract_isolated
from lims.files.models import RunStatus
from lims.files.runs.results import result_apply
from tests.extraction.extraction_samples import sample_dir
from tests.factories import ExtractionRunFactory, InstrumentFileFactory

#: name → path under the shared folder: a FEI Titan STEM image at 200 kV and 225 kx, a
#: diffraction pattern, an EELS/EDS spectrum and a TIA series.
REAL_FILES = {
    "stem": "digitalmicrograph/2D/test_STEM_image.dm3",
    "diffraction": "digitalmicrograph/2D/test_diffraction_pattern.dm3",
    "image": "digitalmicrograph/2D/test-1.dm3",
}


@pytest.fixture(scope="session")
def extracted(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Each real file's extraction result (previews in a session folder)."""
    results = {}
    for name, relative in REAL_FILES.items():
        folder = tmp_path_factory.mktemp(name)
        source = sample_dir() / relative
        copy = folder / source.name
        shutil.copy(source, copy)
        results[name] = extract_isolated(copy, previews_dir=folder / "previews").to_dict()
        results[name]["_name"] = source.name
    return results


@pytest.fixture
def add_file(extracted):
    """Put a real file (by its name in REAL_FILES) into a dataset as extraction leaves it."""

    def add(dataset, name: str, **fields: Any):
        result = extracted[name]
        file = InstrumentFileFactory(
            dataset=dataset, original_name=fields.pop("original_name", result["_name"]), **fields
        )
        run = ExtractionRunFactory(file=file, status=RunStatus.RUNNING)
        result_apply(run=run, file=file, result=result)
        file.refresh_from_db()
        return file

    return add
