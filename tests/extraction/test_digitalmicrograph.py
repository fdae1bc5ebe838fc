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


CL = "digitalmicrograph/1D/test-MonarcCL_spectrum-ccd.dm4"
TITAN = "nist-nexuslims/643_Titan_EELS_proc_intgrate_and_bg_dataZeroed.dm3"


def test_cathodoluminescence_start_time_exposure_and_microscope(
    extracted_extra: dict[str, Any],
) -> None:
    """The CL group's keys have spaces (``Start time``) where HyperSpy's mapping writes
    underscores: the clock, the integration time and the Zeiss SEM are still read."""
    check_record(
        extracted_extra[CL],
        {
            "acquired_at": "2022-01-17T16:09:21",  # CL.Acquisition.Date + Start time
            "technique": "CL",
            "kind": "spectrum",
            "microscope": "Ultra55",
            "vendor": "Zeiss",
            "beam_energy": 3e3,
            "magnification": 15000.0,
            "exposure_time": 300.0,  # CL.Acquisition.Integration time (s)
            "detector": "PVCAM1",
        },
    )


def test_titan_file_from_nist(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[TITAN],
        {
            "microscope": "Titan80-300_D3094",
            "vendor": "FEI",
            "technique": "EELS",  # an EELS elemental map
            "kind": "image",
            "camera_length": 0.048,
            "operator": "AndrewHerzing",
            "specimen": "Au_Fibers_A2",
        },
    )


@pytest.mark.parametrize(
    ("written", "wall_clock"),
    [("4:09:21 p.m.", "16:09:21"), ("12:05:00 a.m.", "00:05:00"), ("11:28:55 A.M.", "11:28:55")],
)
def test_twelve_hour_clocks_with_dotted_suffixes(written: str, wall_clock: str) -> None:
    record = SignalMetadata()
    tags = {"EELS": {"Acquisition": {"Date": "17/01/2022", "Start time": written}}}
    apply_tags(tags, _signal(), record)
    assert record.acquired_at == dt.datetime.fromisoformat(f"2022-01-17T{wall_clock}")


def test_twelve_hour_clock_gives_the_offset_from_the_utc_tag() -> None:
    """4:26:37 p.m. local and 15:26:37Z (FILETIME) are one hour apart: UTC+01:00."""
    record = SignalMetadata()
    tags = {
        "DataBar": {
            "Acquisition Date": "8/8/2016",
            "Acquisition Time": "4:26:37 p.m.",
            "Acquisition Time (OS)": 1.3115143597000824e17,
        }
    }
    apply_tags(tags, _signal(), record)
    assert record.to_dict()["acquired_at"] == "2016-08-08T16:26:37+01:00"
