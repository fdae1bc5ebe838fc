"""Every file of ``microscopy-extra`` against its manifest, as ``test_manifest`` does for the
first sample folder: shapes, kinds of data and axes agree with HyperSpy, every signal has its
previews, and the files plain ``hs.load`` could not open are read, grouped or explained."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from extraction import ExtractionResult
from tests.extraction.extra_samples import extra_entries
from tests.extraction.manifest_check import check_against_hyperspy

ENTRIES = extra_entries()
#: where the record knows what HyperSpy does not (each checked in the vendor's test module)
RICHER = {
    ("bruker/test_TEM.bcf", "date"): "the survey image takes its spectrum image's time",
    ("jeol/met03.EDS", "microscope"): "JEOL Parameters.SEM",
    ("jeol/Sample/00_View000/View000_0000006.pts", "microscope"): "JEOL PARAMPAGE0_SEM.SEM",
    ("mrc/20241021_00405_movie.mrc", "date"): "Direct Electron sidecar timestamp",
    ("mrc/20241021_00405_movie.mrc", "exposure"): "Direct Electron sidecar exposure",
    ("digitalmicrograph/1D/test-MonarcCL_spectrum-ccd.dm4", "exposure"): (
        "CL.Acquisition.Integration time (s)"
    ),
}
READABLE = [e for e in ENTRIES if "signals" in e]
UNREADABLE = [e for e in ENTRIES if "hyperspy_error" in e]
#: where the record rightly differs from HyperSpy's eager read: (file, field) -> why
DIFFERENT = {
    ("jeol/Sample/00_View000/View000_0000006.pts", "dtype"): (
        "read lazily (it declares 1 GB): RosettaSciIO's lazy .pts reader counts in uint16 where "
        "its eager reader casts to uint8"
    ),
    ("tiff/test_tiff_Zeiss_SEM_1k.tif", "microscope"): (
        "HyperSpy gives the serial number 'Merlin-61-08'; the model is 'Merlin'"
    ),
    ("phenom/Elid2Version4.elid", "microscope"): (
        "HyperSpy gives the serial number 'MVE027364-0026-L'; the model is 'PhenomXL'"
    ),
}


@pytest.fixture
def results(extracted_extra: dict[str, ExtractionResult]) -> dict[str, ExtractionResult]:
    """Extraction (previews, full trees) of every manifest file, by manifest path."""
    return extracted_extra


@pytest.mark.parametrize("entry", READABLE, ids=[e["path"] for e in READABLE])
def test_signals_match_hyperspy(
    results: dict[str, ExtractionResult], entry: dict[str, Any]
) -> None:
    result = results[entry["path"]]
    assert result.status == "ok", result.error
    assert len(result.signals) == len(entry["signals"])
    for record, expected in zip(result.signals, entry["signals"], strict=True):
        assert record.title == expected["title"]
        assert record.navigation_shape == expected["nav_shape"]
        assert record.signal_shape == expected["sig_shape"]
        if (entry["path"], "dtype") not in DIFFERENT:
            assert record.dtype == expected["dtype"]
        assert [(a["name"], a["size"], a["units"]) for a in record.axes] == [
            (a["name"], a["size"], a["units"]) for a in expected["axes"]
        ]
        for axis, want in zip(record.axes, expected["axes"], strict=True):
            assert math.isclose(axis["scale"], want["scale"], rel_tol=1e-9)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["file"]["size"] == entry["bytes"]
    assert data["file"]["sha256"] == entry["sha256"]


@pytest.mark.parametrize("entry", READABLE, ids=[e["path"] for e in READABLE])
def test_normalized_values_match_hyperspy(
    results: dict[str, ExtractionResult], entry: dict[str, Any]
) -> None:
    path = entry["path"]
    for record, expected in zip(results[path].signals, entry["signals"], strict=True):
        check_against_hyperspy(path, record.metadata.to_dict(), expected, RICHER, DIFFERENT)


@pytest.mark.parametrize("entry", READABLE, ids=[e["path"] for e in READABLE])
def test_every_signal_has_square_thumbnail_and_preview(
    results: dict[str, ExtractionResult], entry: dict[str, Any]
) -> None:
    result = results[entry["path"]]
    assert not [w for w in result.warnings if "no preview" in w]
    for signal in result.signals:
        thumbnail, preview = signal.previews["thumbnail"], signal.previews["preview"]
        assert thumbnail and preview, f"signal {signal.index} has no preview"
        with Image.open(thumbnail) as image:
            assert image.size == (256, 256)  # letterboxed, never cropped
            assert image.text.get("Title", "") == signal.title
        with Image.open(preview) as image:
            assert max(image.size) <= 1024
            assert np.asarray(image.convert("L")).std() > 1


def test_files_hyperspy_could_not_choose_a_reader_for_are_read(
    results: dict[str, ExtractionResult],
) -> None:
    ambiguous = [e for e in UNREADABLE if "multiple file readers" in e["hyperspy_error"]]
    assert {e["path"] for e in ambiguous} == {
        "delmic/sparc-hyperspectral.h5",
        "hamamatsu/focus_mode.img",
    }
    assert results["delmic/sparc-hyperspectral.h5"].reader == "Delmic"
    assert results["hamamatsu/focus_mode.img"].reader == "Hamamatsu"
    for entry in ambiguous:
        result = results[entry["path"]]
        assert result.status == "ok", result.error
        assert result.signals and all(s.previews["preview"] for s in result.signals)
        # the reader was chosen from the content: no other reader was tried and complained
        assert not [w for w in result.warnings if "not a valid" in w.lower()]


def test_direct_electron_sidecar_is_a_companion_of_its_movie(
    results: dict[str, ExtractionResult],
) -> None:
    from_sidecar = results["mrc/20241021_00405_info.txt"]
    movie = results["mrc/20241021_00405_movie.mrc"]
    for result in (from_sidecar, movie):
        assert result.status == "ok", result.error
        assert Path(result.path).name == "20241021_00405_movie.mrc"
        assert [Path(p).name for p in result.companions] == ["20241021_00405_info.txt"]
    assert "20241021_00405_info.txt" in movie.file["companions"]


def test_damaged_tiff_fails_clearly_and_keeps_its_tags(
    results: dict[str, ExtractionResult],
) -> None:
    result = results["nist-nexuslims/quad1image_001_no_beam_scan_or_system_meta.tif"]
    assert result.status == "failed"
    assert result.format == "tiff/tif"
    assert result.error is not None
    sentence, _, detail = result.error.partition(" Technical detail: ")
    assert "damaged" in sentence and "metadata were read" in sentence
    assert "corrupted strip" in detail
    (signal,) = result.signals
    assert signal.signal_shape == [1024, 831]
    assert signal.previews == {
        "thumbnail": None,
        "preview": None,
        "spectrum": None,
        "frames": None,
        "cube": None,
    }
    assert signal.original_metadata["ImageWidth"] == 1024
    assert result.summary is not None and result.summary.signal_count == 1
