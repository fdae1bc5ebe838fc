"""FEI/Thermo TIA (``extraction/readers/tia.py``): the local date and the ``.ser`` UTC time give
the zone, the exposure of a STEM scan is the pixel dwell, offsets left in metres are fixed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.extraction.golden import check_record

GOLDEN: dict[str, dict[str, Any]] = {
    "tia/old/03_Scanning Preview.emi": {
        "format": "tia/emi",
        "acquired_at": "2019-04-25T09:30:09-07:00",  # .ser Time is 16:30:08Z
        "microscope": "TitanCubed 300 kV D3128 UltraTwin",
        "beam_energy": 200e3,  # the model name says 300 kV; the HT is 200
        "technique": "STEM",
        "kind": "image_stack",
        "dwell_time": 1.2e-05,
        "exposure_time": None,
        "frame_time": 0.23593,
        "operator": "Service",
        "extra": {"Mode": "STEM nP SA Zoom Diffraction"},
    },
    "tia/new/128x128x5-diffraction_preview.emi": {
        "kind": "diffraction",
        "imaging_mode": "diffraction",
        "camera_length": 1.1,
        "magnification": None,
        "axes.1.offset": -2.7177046152139454,  # the reader leaves it in 1/m
    },
    "tia/old/X - Au NP EELS_2.ser": {
        "format": "tia/ser",
        "acquired_at": "2018-02-09T00:53:36+00:00",
        "technique": "EELS",
    },
}


@pytest.mark.parametrize("path", list(GOLDEN))
def test_golden_record(extracted: dict[str, Any], path: str) -> None:
    check_record(extracted[path], GOLDEN[path])


def test_stage_from_micrometre_and_degree_keys(extracted: dict[str, Any]) -> None:
    md = extracted["tia/new/128x128-TEM_search.emi"].signals[0].metadata
    om = extracted["tia/new/128x128-TEM_search.emi"].signals[0].original_metadata
    described = om["ObjectInfo"]["ExperimentalDescription"]
    assert md.stage_x == pytest.approx(described["Stage X_um"] * 1e-6)
    assert md.stage_alpha == pytest.approx(described["Stage A_deg"])
