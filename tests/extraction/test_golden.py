"""Golden normalized records, one file per format family (values checked against
METADATA-MAP.md and the vendor trees, including the pitfalls it lists)."""

from __future__ import annotations

from typing import Any

import pytest

GOLDEN: dict[str, dict[str, Any]] = {
    "digitalmicrograph/2D/test_STEM_image.dm3": {
        "format": "digitalmicrograph/dm3",
        "reader": "DigitalMicrograph",
        "acquired_at": "2016-08-08T16:26:37+01:00",  # FILETIME says 15:26:37Z
        "acquired_at_timezone_known": True,
        "microscope": "FEI Titan",
        "vendor": "FEI",
        "technique": "STEM",
        "imaging_mode": "scanning",
        "kind": "image",
        "beam_energy_keV": 200.0,
        "magnification": 225000.0,
        "camera_length_mm": 135.0,
        "pixel_size": {"value": 0.24853801727294922, "unit": "nm"},
        "dwell_time_s": 3.5e-06,
        "detector": "DigiScan",
        "stage.x_m": -0.000461276,  # µm in the file
    },
    "digitalmicrograph/2D/test_diffraction_pattern.dm3": {
        "acquired_at": "2014-07-09T18:56:37+02:00",  # '7/9/2014' is M/D: the epoch tag agrees
        "technique": "TEM",
        "imaging_mode": "diffraction",
        "kind": "diffraction",
        "magnification": None,  # "Indicated Magnification" is the camera length here
        "camera_length_mm": 320.00000000000006,
        "pixel_size": {"value": 0.17443285882472992, "unit": "1/nm"},
        "si.pixel_size_m": None,
        "exposure_s": 0.2,
    },
    "digitalmicrograph/3D/EELS_SI.dm4": {
        "acquired_at": "2019-05-14T20:50:13",  # '14/05/2019': day first, unambiguous
        "technique": "EELS",
        "kind": "spectrum_image",
        "stage.beta_deg": 0.0,
        "si.pixel_size_m": 1.9920736085623503e-09,
    },
    "tia/old/03_Scanning Preview.emi": {
        "format": "tia/emi",
        "acquired_at": "2019-04-25T09:30:09-07:00",  # .ser Time is 16:30:08Z
        "microscope": "TitanCubed 300 kV D3128 UltraTwin",
        "beam_energy_keV": 200.0,  # the model name says 300 kV; the HT is 200
        "technique": "STEM",
        "kind": "image_stack",
        "dwell_time_s": 1.2e-05,
        "exposure_s": None,
        "operator": "Service",
    },
    "tia/new/128x128x5-diffraction_preview.emi": {
        "kind": "diffraction",
        "imaging_mode": "diffraction",
        "camera_length_mm": 1100.0,
        "magnification": None,
        "axes.1.offset": -2.7177046152139454,  # reader leaves it in 1/m
    },
    "tia/old/X - Au NP EELS_2.ser": {
        "format": "tia/ser",
        "acquired_at": "2018-02-09T00:53:36+00:00",
        "technique": "EELS",
    },
    "emd/Test SI 16x16 215 kx.emd": {
        "format": "emd/velox",
        "signal": 8,
        "acquired_at": "2024-02-29T06:58:04+00:00",  # raw epoch, not the reading machine's zone
        "acquired_at_timezone_known": True,
        "vendor": "FEI Company",
        "technique": "STEM",
        "detector": "HAADF",
        "operator": "Thorsten",
        "specimen": "Test",
        "dwell_time_s": 0.001,
        "camera_length_mm": 115.9,
        "stage.z_m": -0.00014365038,  # metres in the file
        "si.beam_energy_V": 300000.0,
    },
    "emd/fei_example_tem_stack.emd": {
        "technique": "TEM",
        "imaging_mode": "imaging",
        "kind": "image_stack",
        "magnification": 1271519.155,  # Optics.NominalMagnification; HyperSpy gives 0
        "camera_length_mm": None,
        "exposure_s": 0.8,
        "detector": "BM-Ceta",
        "pixel_size": {"value": 8.172883192297851, "unit": "pm"},
        "si.pixel_size_m": 8.172883192297851e-12,
    },
    "emd/Si100_4D.emd": {"format": "emd/ncem", "kind": "4d_stem", "technique": "STEM"},
    "tiff/FEI-Helios-Ebeam-16bits.tif": {
        "format": "tiff/fei-sem",
        "acquired_at": "2016-06-13T17:06:40",
        "acquired_at_timezone_known": False,
        "microscope": "Helios NanoLab 660",
        "vendor": "FEI",
        "technique": "SEM",
        "beam_energy_keV": 5.0,
        "magnification": 120.0,
        "dwell_time_s": 1e-05,
        "detector": "ETD (SE)",
        "operator": "supervisor",
        "pixel_size": {"value": 3.3724e-06, "unit": "m"},
        "stage.z_m": 0.007965,
    },
    "tiff/test_loading_image_saved_with_imageJ.tif": {
        "format": "tiff/imagej",
        "acquired_at": "2015-07-20T18:48:25+02:00",
        "microscope": "FEI Tecnai",
        "beam_energy_keV": 200.0,
        "exposure_s": 0.5,
    },
    "msa/example1.msa": {
        "format": "msa/spectrum",
        "acquired_at": "1991-10-01T12:00:00",
        "technique": "EELS",
        "kind": "spectrum",
        "beam_energy_keV": 120.0,
        "dwell_time_s": 0.1,  # DWELLTIME 100 ms
        "operator": "EMSA/MAS TASK FORCE",
    },
    "hspy/example2_v3.1.hspy": {
        "format": "hspy/hdf5",
        "acquired_at": "2014-07-09T18:56:37",
        "microscope": "FEI Tecnai",
        "technique": "TEM",
        "kind": "diffraction",
        "exposure_s": 0.2,
        "camera_length_mm": 320.00000000000006,
    },
}


def _lookup(result: Any, index: int, key: str) -> Any:
    if key in ("format", "reader"):
        return getattr(result, key)
    record = result.signals[index]
    if key.startswith("axes."):
        _, axis, field = key.split(".")
        return record.axes[int(axis)][field]
    node: Any = record.metadata
    for part in key.split("."):
        node = node[part]
    return node


@pytest.mark.parametrize("path", list(GOLDEN))
def test_golden_normalized_record(extracted: dict[str, Any], path: str) -> None:
    expected = dict(GOLDEN[path])
    index = expected.pop("signal", 0)
    result = extracted[path]
    assert result.status == "ok", result.error
    for key, value in expected.items():
        actual = _lookup(result, index, key)
        if isinstance(value, float):
            assert actual == pytest.approx(value, rel=1e-6, abs=1e-12), key
        else:
            assert actual == value, key


def test_summary_prefers_maps_over_single_spectra(extracted: dict[str, Any]) -> None:
    summary = extracted["emd/Test SI 16x16 215 kx.emd"].summary
    assert summary["primary_signal"] == 9 and summary["kind"] == "spectrum_image"
    assert summary["techniques"] == ["EDS", "STEM"]
    assert summary["signal_count"] == 10
    assert summary["format"] == "emd/velox"
