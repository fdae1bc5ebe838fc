"""Every readable sample file against ``manifest.json`` (what HyperSpy reads from it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from extraction.schema import FILE_FIELDS, SIGNAL_FIELDS
from tests.extraction.extraction_samples import manifest_files
from tests.extraction.manifest_check import check_against_hyperspy

# Where the record knows more than HyperSpy (documented in METADATA-MAP.md), the manifest's
# ``null`` is not an error: (file, field) -> why.
RICHER = {
    ("emd/Si100_4D.emd", "beam_energy_keV"): "Prismatic simulation E0",
    ("emd/fei_example_tem_stack.emd", "magnification"): "Velox TEM: Optics.NominalMagnification",
    ("tiff/FEI-Helios-Ebeam-16bits.tif", "magnification"): "derived from HFW and canvas width",
    ("tiff/FEI-Helios-Ebeam-8bits.tif", "magnification"): "derived from HFW and canvas width",
    ("tia/old/X - Au NP EELS_2.ser", "date"): "UTC from the .ser Time tag",
    ("tiff/test_loading_image_saved_with_imageJ.tif", "date"): "DM tags in ImageJ Info",
    ("tiff/test_loading_image_saved_with_imageJ.tif", "beam_energy_keV"): "DM tags in ImageJ Info",
    ("tiff/test_loading_image_saved_with_imageJ.tif", "microscope"): "DM tags in ImageJ Info",
    ("tiff/test_loading_image_saved_with_imageJ.tif", "magnification"): "DM tags in ImageJ Info",
    ("tiff/test_loading_image_saved_with_imageJ.tif", "exposure"): "DM tags in ImageJ Info",
    ("digitalmicrograph/2D/test_diffraction_pattern.dm3", "exposure"): "DataBar.Exposure Time (s)",
    ("emd/fei_example_tem_stack.emd", "exposure"): "Velox Detectors.*.ExposureTime",
}
DIFFERENT = {
    ("emd/fei_example_tem_stack.emd", "camera_length"): (
        "Velox stores a camera length even for TEM images, where it means nothing"
    ),
}

ENTRIES = manifest_files()
IDS = [entry["path"] for entry in ENTRIES]


def _signals(extracted: dict[str, Any], entry: dict[str, Any]) -> list[Any]:
    result = extracted[entry["path"]]
    assert result.status == "ok", result.error
    return result.signals


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_signals_match_hyperspy(extracted: dict[str, Any], entry: dict[str, Any]) -> None:
    signals = _signals(extracted, entry)
    assert len(signals) == len(entry["signals"])
    for record, expected in zip(signals, entry["signals"], strict=True):
        assert record.title == expected["title"]
        assert record.navigation_shape == expected["nav_shape"]
        assert record.signal_shape == expected["sig_shape"]
        assert record.dtype == expected["dtype"]
        assert [(a["name"], a["size"], a["units"]) for a in record.axes] == [
            (a["name"], a["size"], a["units"]) for a in expected["axes"]
        ]
        for axis, want in zip(record.axes, expected["axes"], strict=True):
            assert axis["scale"] == pytest.approx(want["scale"], rel=1e-9)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_normalized_values_match_hyperspy(extracted: dict[str, Any], entry: dict[str, Any]) -> None:
    path = entry["path"]
    for record, expected in zip(_signals(extracted, entry), entry["signals"], strict=True):
        check_against_hyperspy(path, record.metadata.to_dict(), expected, RICHER, DIFFERENT)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_result_is_json_and_facts_match(extracted: dict[str, Any], entry: dict[str, Any]) -> None:
    result = extracted[entry["path"]]
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["file"]["size"] == entry["bytes"]
    assert data["file"]["sha256"] == entry["sha256"]
    assert data["extractor"] == "lims-extraction"
    assert data["summary"]["signal_count"] == len(entry["signals"])
    for signal in data["signals"]:
        assert signal["original_metadata"] is not None
        assert list(signal["metadata"]) == [spec.key for spec in SIGNAL_FIELDS]
    assert list(data["summary"]) == [spec.key for spec in FILE_FIELDS]
