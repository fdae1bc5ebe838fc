"""Gatan DigitalMicrograph (``extraction/readers/digitalmicrograph.py``): dates settled with the
UTC tags, µm stages, the camera length hidden in a diffraction pattern's magnification."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from extraction.readers.digitalmicrograph import apply_tags
from extraction.schema import SignalMetadata
from extraction.signal import LightSignal
from tests.extraction.golden import check_record

GOLDEN: dict[str, dict[str, Any]] = {
    "digitalmicrograph/2D/test_STEM_image.dm3": {
        "format": "digitalmicrograph/dm3",
        "reader": "DigitalMicrograph",
        "acquired_at": "2016-08-08T16:26:37+01:00",  # FILETIME says 15:26:37Z
        "acquired_at_timezone_known": True,
        "microscope": "FEI Titan",
        "vendor": "FEI",
        "software": "Gatan DigitalMicrograph",
        "technique": "STEM",
        "imaging_mode": "scanning",
        "kind": "image",
        "beam_energy": 200e3,
        "magnification": 225000.0,
        "camera_length": 0.135,
        "pixel_size": 0.24853801727294922e-9,  # 0.2485 nm
        "reciprocal_pixel_size": None,
        "dwell_time": 3.5e-06,
        "detector": "DigiScan",
        "stage_x": -0.000461276,  # -461.276 µm in the file
        "beam_current": None,  # DM writes 0 when nothing measured it
    },
    "digitalmicrograph/2D/test_diffraction_pattern.dm3": {
        "acquired_at": "2014-07-09T18:56:37+02:00",  # '7/9/2014' is M/D: the epoch tag agrees
        "technique": "TEM",
        "imaging_mode": "diffraction",
        "kind": "diffraction",
        "magnification": None,  # "Indicated Magnification" is the camera length here
        "camera_length": 0.32000000000000006,
        "pixel_size": None,  # a reciprocal calibration is no real-space pixel size
        "reciprocal_pixel_size": 0.17443285882472992e9,  # 0.1744 1/nm
        "exposure_time": 0.2,
    },
    "digitalmicrograph/3D/EELS_SI.dm4": {
        "acquired_at": "2019-05-14T20:50:13",  # '14/05/2019': day first, unambiguous
        "acquired_at_timezone_known": False,
        "technique": "EELS",
        "kind": "spectrum_image",
        "stage_beta": 0.0,
        "pixel_size": 1.9920736085623503e-09,
        "convergence_angle": 1.2032113697747282,  # 21 mrad in HyperSpy's metadata
    },
}


@pytest.mark.parametrize("path", list(GOLDEN))
def test_golden_record(extracted: dict[str, Any], path: str) -> None:
    check_record(extracted[path], GOLDEN[path])


def _signal() -> LightSignal:
    return LightSignal(0, np.zeros((4, 4), np.uint16), [], {}, {}, "DigitalMicrograph")


def test_ambiguous_day_month_without_utc_tag_is_read_month_first_and_said() -> None:
    record = SignalMetadata()
    tags = {"DataBar": {"Acquisition Date": "03/04/2019", "Acquisition Time": "10:20:30"}}
    apply_tags(tags, _signal(), record)
    assert record.acquired_at == dt.datetime(2019, 3, 4, 10, 20, 30)
    assert not record.acquired_at_timezone_known
    assert len(record.warnings) == 1 and "ambiguous" in record.warnings[0]


def test_voltage_in_volts_and_camera_length_in_mm() -> None:
    record = SignalMetadata()
    tags = {
        "Microscope Info": {
            "Voltage": 80000.0,
            "Illumination Mode": "STEM",
            "STEM Camera Length": 60.0,
            "Indicated Magnification": 1.2e6,
            "Stage Position": {"Stage X": 12.5, "Stage Alpha": -3.0},
        }
    }
    apply_tags(tags, _signal(), record)
    assert record.beam_energy == 80e3  # eV
    assert record.camera_length == pytest.approx(0.06)  # m
    assert record.magnification == 1.2e6
    assert record.stage_x == pytest.approx(12.5e-6) and record.stage_alpha == -3.0
    assert record.stage_y is None and record.technique == "STEM"
