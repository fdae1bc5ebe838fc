"""FEI/Thermo SEM TIFF (``extraction/readers/fei_tiff.py``): magnification from the field width,
stage in metres and radians, the data bar's rows left out of the previews."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.extraction.golden import check_record

HELIOS = "tiff/FEI-Helios-Ebeam-16bits.tif"


def test_golden_record(extracted: dict[str, Any]) -> None:
    check_record(
        extracted[HELIOS],
        {
            "format": "tiff/fei-sem",
            "acquired_at": "2016-06-13T17:06:40",
            "acquired_at_timezone_known": False,
            "microscope": "Helios NanoLab 660",
            "vendor": "FEI",
            "technique": "SEM",
            "imaging_mode": "scanning",
            "beam_energy": 5e3,  # Beam.HV 5000 V
            "beam_current": 6.25e-12,  # 6.25 pA
            "magnification": 120.0,  # canvas width / field width
            "horizontal_field_width": 0.00172667,
            "working_distance": 0.00403466,  # 4.03 mm
            "dwell_time": 1e-05,
            "frame_time": 2.62,
            "detector": "ETD (SE)",
            "operator": "supervisor",
            "pixel_size": 3.3724e-06,
            "stage_z": 0.007965,
            "image_rows": 442,  # of 471: the rest is the data bar
        },
    )


def test_stage_angles_are_degrees(extracted: dict[str, Any]) -> None:
    signal = extracted[HELIOS].signals[0]
    stage = signal.original_metadata["fei_metadata"]["Stage"]
    assert signal.metadata.stage_rotation == pytest.approx(math.degrees(float(stage["StageR"])))
    assert signal.metadata.stage_rotation == pytest.approx(-135.28106500833863)
    assert signal.metadata.stage_alpha == pytest.approx(math.degrees(float(stage["StageT"])))
    assert signal.metadata.stage_beta is None
