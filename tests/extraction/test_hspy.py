"""HyperSpy's own files (``extraction/readers/hspy.py``): the generic record, and the name of
the file they were made from."""

from __future__ import annotations

from typing import Any

from tests.extraction.golden import check_record


def test_diffraction_pattern_saved_by_hyperspy(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["hspy/example2_v3.1.hspy"],
        {
            "format": "hspy/hdf5",
            "acquired_at": "2014-07-09T18:56:37",
            "microscope": "FEI Tecnai",
            "technique": "TEM",
            "kind": "diffraction",
            "exposure_time": 0.2,
            "camera_length": 0.32000000000000006,  # HyperSpy's mm
            "stage_alpha": 10.0,
            "reciprocal_pixel_size": 0.17443285882472992e9,
            "pixel_size": None,
            "extra": {"Original file name": "test_diffraction_pattern.dm3"},
        },
    )
