"""Zeiss SmartSEM TIFFs (``extraction/readers/zeiss_tiff.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from extraction.core import normalize_signal
from extraction.readers.zeiss_tiff import data_bar_top
from extraction.signal import Axis, LightSignal
from tests.extraction.golden import check_record

ZEISS = "tiff/test_tiff_Zeiss_SEM_1k.tif"


def test_model_serial_detector_vendor_and_field_width(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[ZEISS],
        {
            "format": "tiff/zeiss-sem",
            "microscope": "Merlin",  # dp_sem; HyperSpy gives the serial number
            "instrument_id": "Merlin-61-08",
            "vendor": "Zeiss",
            "detector": "HE-SE2",
            "magnification": 105.0,
            "horizontal_field_width": 2.677e-3,
            "beam_energy": 25e3,
            "dwell_time": 5e-08,
            "acquired_at": "2015-12-23T09:40:32",
        },
    )


def test_preview_stops_above_the_data_bar(extracted_extra: dict[str, Any]) -> None:
    (signal,) = extracted_extra[ZEISS].signals
    assert signal.metadata.image_rows == 691  # the bar's black frame starts at row 691 of 768
    with Image.open(signal.previews["preview"]) as preview:
        pixels = np.asarray(preview.convert("L"))
    # no row of the picture is the bar's frame: a black line across the whole width
    assert not ((pixels[:, 5:-5] < 8).mean(axis=1) > 0.98).any()


def _zeiss(mag: tuple[Any, ...], image: Any) -> LightSignal:
    axes = [Axis("y", image.shape[0], 1.0, 0.0, "nm", False)]
    axes.append(Axis("x", image.shape[1], 1.0, 0.0, "nm", False))
    tree = {"CZ_SEM": {"ap_mag": mag, "dp_sem": ("Sem", "Sigma"), "dp_detector_type": ("D", "SE2")}}
    return LightSignal(0, image, axes, {"General": {}, "Signal": {}}, tree, "TIFF")


def test_kilo_magnification_and_no_data_bar() -> None:
    image = np.random.default_rng(1).integers(10, 250, (64, 80), dtype=np.uint8)
    record = normalize_signal(_zeiss(("Mag", "50.00 K", "X"), image))
    assert record.magnification == 50000.0
    assert record.microscope == "Sigma" and record.detector == "SE2"
    assert record.image_rows is None and data_bar_top(image) is None


def test_framed_data_bar_is_found() -> None:
    image = np.full((100, 120), 128, np.uint8)
    image[88, 2:] = 0
    image[98, 2:] = 0
    assert data_bar_top(image) == 88
