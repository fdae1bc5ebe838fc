"""Light-optical data in a microscopy LIMS: Delmic cathodoluminescence, Hamamatsu streak
cameras, Raman and photoluminescence spectra (``readers/delmic.py``, ``readers/hamamatsu.py``,
``normalize.infer_technique``): no wavelength or time axis is a pixel size, no optical spectrum
is EELS, UTC epochs are aware, serial numbers stay serials."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from extraction.core import normalize_signal
from extraction.signal import Axis, LightSignal
from tests.extraction.golden import check_record

DELMIC = "delmic/sparc-hyperspectral.h5"
STREAK = "hamamatsu/focus_mode.img"


def test_delmic_sem_settings_and_utc_time(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[DELMIC],
        {
            "acquired_at": "2024-08-29T09:54:25+00:00",  # AcquisitionDate, Unix time
            "acquired_at_timezone_known": True,
            "technique": "CL",
            "kind": "spectrum_image",
            "magnification": 10000.0,  # the SEM's, not the light optics' 0.31
            "dwell_time": 0.002027,
            "exposure_time": 0.0020259374286979437,  # IntegrationTime
            "detector": "Andor Clara FAKECDD 1024",
            "pixel_size": 963.862901465797e-9,
        },
    )
    assert extracted_extra[DELMIC].signals[0].metadata.extra == {"Detector serial number": "1234"}


def test_streak_camera_image_has_no_pixel_size(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[STREAK],
        {
            "kind": "image",
            "pixel_size": None,  # wavelength (nm) by CCD row: nothing in the specimen
            "exposure_time": 20.0,  # 4 exposures of 5 s
            "detector": "C5680 streak camera (Orca R2)",
            "software": "HPD-TA 9.5 pf10",
            "acquired_at": "2023-01-20T11:28:55",
        },
    )
    assert extracted_extra[STREAK].signals[0].metadata.extra["Camera serial number"] == "891892"


def _spectrum(name: str, units: str, reader: str, metadata: dict[str, Any]) -> LightSignal:
    axes = [Axis(name, 1024, 0.002, 1.5, units, False)]
    md = {"General": {}, "Signal": {}, **metadata}
    return LightSignal(0, np.ones(1024, np.float32), axes, md, {}, reader)


@pytest.mark.parametrize(
    ("axis", "units", "reader", "metadata", "technique"),
    [
        ("Raman Shift", "1/cm", "JobinYvon", {}, "Raman"),
        ("Wavenumber", "cm-1", "Renishaw", {"Acquisition_instrument": {"Laser": {}}}, "Raman"),
        ("Energy", "eV", "JobinYvon", {"Acquisition_instrument": {"Laser": {}}}, "PL"),
        ("Energy", "eV", "TriVista", {}, None),  # an optical spectrum in eV is not EELS
        ("Energy loss", "eV", "TIA", {"Acquisition_instrument": {"TEM": {}}}, "EELS"),
    ],
)
def test_optical_spectra_are_not_eels(
    axis: str, units: str, reader: str, metadata: dict[str, Any], technique: str | None
) -> None:
    record = normalize_signal(_spectrum(axis, units, reader, metadata))
    assert record.technique == technique


def test_wavelength_axis_of_an_image_is_no_pixel_size() -> None:
    axes = [Axis("Time", 32, 0.1, 0.0, "ns", False), Axis("Wavelength", 64, 0.5, 400, "nm", False)]
    signal = LightSignal(0, np.ones((32, 64)), axes, {"General": {}, "Signal": {}}, {}, "Any")
    record = normalize_signal(signal)
    assert record.kind == "image" and record.pixel_size is None
