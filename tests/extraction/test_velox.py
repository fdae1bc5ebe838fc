"""Thermo Fisher Velox EMD (``extraction/readers/velox.py``): the raw UTC epoch, the nominal
TEM magnification, EDS live and real time, stage positions in metres and tilts in radians."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.extraction.golden import check_record

SI = "emd/Test SI 16x16 215 kx.emd"
STACK = "emd/fei_example_tem_stack.emd"


def test_stem_image_of_a_spectrum_image_file(extracted: dict[str, Any]) -> None:
    check_record(
        extracted[SI],
        {
            "format": "emd/velox",
            "acquired_at": "2024-02-29T06:58:04+00:00",  # the raw epoch, not the reader's zone
            "acquired_at_timezone_known": True,
            "vendor": "FEI Company",
            "instrument_model": "Themis",
            "instrument_id": "3678",
            "technique": "STEM",
            "detector": "HAADF",
            "operator": "Thorsten",
            "specimen": "Test",
            "dwell_time": 0.001,
            "frame_time": 0.288,
            "camera_length": 0.1159,
            "stage_z": -0.00014365038,  # metres in the file
            "beam_energy": 300e3,
        },
        index=8,
    )


def test_eds_spectrum_live_and_real_time(extracted: dict[str, Any]) -> None:
    check_record(
        extracted[SI],
        {
            "technique": "EDS",
            "kind": "spectrum",
            "detector": "SuperXG21",
            "live_time": 0.49210381111044865,
            "exposure_time": 0.49210381111044865,  # an EDS exposure is its live time
            "real_time": 0.5119965,
        },
        index=0,
    )


def test_tem_stack_nominal_magnification_and_tilts_in_degrees(extracted: dict[str, Any]) -> None:
    result = extracted[STACK]
    check_record(
        result,
        {
            "technique": "TEM",
            "imaging_mode": "imaging",
            "kind": "image_stack",
            "magnification": 1271519.155,  # Optics.NominalMagnification; HyperSpy gives 0
            "camera_length": None,
            "exposure_time": 0.8,
            "detector": "BM-Ceta",
            "pixel_size": 8.172883192297851e-12,  # 8.17 pm
        },
    )
    radians = float(result.signals[0].original_metadata["Stage"]["AlphaTilt"])
    assert result.signals[0].metadata.stage_alpha == pytest.approx(math.degrees(radians))
    assert result.signals[0].metadata.stage_alpha == pytest.approx(-12.586370150445031)


def test_summary_shows_the_haadf_image_first(extracted: dict[str, Any]) -> None:
    """Of ten signals (four single spectra, four element maps, HAADF, the spectrum image),
    the HAADF image is the file's face: a picture of the specimen as large as the maps."""
    summary = extracted[SI].summary
    assert summary is not None
    assert summary.primary_signal == 8 and summary.title == "HAADF"
    assert summary.kind == "image" and summary.technique == "STEM"
    assert summary.techniques == ["EDS", "STEM"]
    assert summary.signal_count == 10
    assert summary.format == "emd/velox" and summary.file_name == "Test SI 16x16 215 kx.emd"
    assert summary.navigation_shape == [] and summary.signal_shape == [16, 16]


def test_element_maps_are_eds(extracted: dict[str, Any]) -> None:
    maps = extracted[SI].signals[4:8]
    assert [m.title for m in maps] == ["C", "Ca", "O", "Cu"]
    assert {(m.kind, m.metadata.technique, m.metadata.detector) for m in maps} == {
        ("image", "EDS", "SuperXG2")
    }
    data = extracted[SI].to_dict()["summary"]
    assert data["signal_count"] == 10 and "signals_count" not in data
