"""Direct Electron movies and their ``_info.txt`` sidecar
(``extraction/readers/direct_electron.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from extraction.core import normalize_signal
from extraction.signal import Axis, LightSignal
from tests.extraction.golden import check_record

MOVIE = "mrc/20241021_00405_movie.mrc"


def test_time_exposure_frame_rate_camera_and_pixel_size(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[MOVIE],
        {
            "format": "mrc/mrc",
            # Local time 14:36:50 and Timestamp 1729539410 (19:36:50Z): UTC-05:00
            "acquired_at": "2024-10-21T14:36:50-05:00",
            "acquired_at_timezone_known": True,
            "exposure_time": 0.045712,
            "frame_time": 0.0014285,  # Frame Time (nanoseconds) 1428500
            "detector": "DESim",  # Camera Name
            "pixel_size": 0.1e-9,  # the sidecar's; the axes say 1 nm whatever it holds
            "magnification": 1000.0,
        },
    )


def _movie(de: dict[str, Any]) -> LightSignal:
    axes = [Axis(n, 4, 1.0, 0.0, "nm", False) for n in ("y", "x")]
    return LightSignal(0, np.zeros((4, 4), np.uint16), axes, {}, {"de_metadata": de}, "MRC")


def test_uncalibrated_pixel_size_is_a_warning_and_no_value() -> None:
    record = normalize_signal(
        _movie({"Specimen Pixel Size X (nanometers)": "-1", "Frames Per Second": "400"})
    )
    assert record.pixel_size is None
    assert any("pixel size" in w and "not a size" in w for w in record.warnings)
    assert record.frame_time == 1 / 400


def test_utc_timestamp_alone_is_utc() -> None:
    record = normalize_signal(_movie({"Timestamp (seconds since Epoch)": "1729539410"}))
    assert record.to_dict()["acquired_at"] == "2024-10-21T19:36:50+00:00"
