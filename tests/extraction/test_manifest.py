"""Every readable sample file against ``manifest.json`` (what HyperSpy reads from it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from extraction.schema import FILE_FIELDS, SIGNAL_FIELDS
from tests.extraction.extraction_samples import manifest_files

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
# Velox stores a camera length even for TEM images, where it means nothing.
DROPPED = {("emd/fei_example_tem_stack.emd", "camera_length")}

ENTRIES = manifest_files()
IDS = [entry["path"] for entry in ENTRIES]


def _signals(extracted: dict[str, Any], entry: dict[str, Any]) -> list[Any]:
    result = extracted[entry["path"]]
    assert result.status == "ok", result.error
    return result.signals


def _scaled(value: float | None, factor: float) -> float | None:
    return value * factor if value is not None else None


def _check_optional(path: str, field: str, expected: Any, actual: Any) -> None:
    if expected is None:
        if (path, field) not in RICHER:
            assert actual is None, f"{field}: HyperSpy has none, extraction says {actual!r}"
        return
    if (path, field) in DROPPED:
        return
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-6), field
    else:
        assert actual == expected, field


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
        md = record.metadata.to_dict()
        # the manifest has HyperSpy's units (keV, mm); the record stores eV and m
        _check_optional(
            path, "beam_energy_keV", expected["beam_energy_keV"], _scaled(md["beam_energy"], 1e-3)
        )
        _check_optional(path, "magnification", expected["magnification"], md["magnification"])
        _check_optional(
            path, "camera_length", expected["camera_length"], _scaled(md["camera_length"], 1e3)
        )
        microscope = expected["microscope"]
        # the FEI SEM model name carries a stray quote in the file; the record drops it
        _check_optional(
            path,
            "microscope",
            microscope.replace('"', "") if microscope else None,
            md["microscope"],
        )
        if expected["acquisition_date"] is None:
            _check_optional(path, "date", None, md["acquired_at"])
        else:
            local = f"{expected['acquisition_date']}T{expected['acquisition_time']}"
            assert md["acquired_at"][:19] == local
        if expected["exposure_s"] is None:
            if (path, "exposure") not in RICHER and md["technique"] not in ("EDS", "EELS"):
                assert md["exposure_time"] is None
        else:
            want = float(expected["exposure_s"])
            assert want in (
                pytest.approx(md["exposure_time"]) if md["exposure_time"] is not None else None,
                pytest.approx(md["dwell_time"]) if md["dwell_time"] is not None else None,
            ), (md["exposure_time"], md["dwell_time"])


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
