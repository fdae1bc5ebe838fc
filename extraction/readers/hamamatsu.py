"""Hamamatsu ITEX ``.img`` (HPD-TA): streak cameras and their spectrographs.

The picture is wavelength by time (or by CCD row in focus mode): neither axis is a length in
the specimen, so there is no pixel size (``normalize.is_spatial``). The detector is the streak
unit and its readout camera; the camera's serial number is kept as a serial, not a name. The
integration time is the exposure times the number of exposures (LumiSpy's ``integration_time``,
read generically).
"""

from __future__ import annotations

import re

from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import first_str
from . import Vendor
from ._common import reader_label

READER = "Hamamatsu"
_SERIAL = re.compile(r"^\s*(?:S/N|SN|Serial)[:.\s]*", re.IGNORECASE)


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Software, detector (streak unit and camera) and the camera's serial number."""
    comment = get_path(signal.original_metadata, "Comment") or {}
    software = first_str(get_path(comment, "Application.Software"))
    version = first_str(get_path(comment, "Application.SoftwareVersion"))
    record.software = " ".join(part for part in (software, version) if part) or None
    streak = first_str(get_path(comment, "Streak camera.DeviceName"))
    camera = first_str(get_path(comment, "Camera.CameraName"))
    if streak and camera:
        record.detector = f"{streak} streak camera ({camera})"
    else:
        record.detector = first_str(streak, camera, record.detector)
    serial = first_str(get_path(comment, "Camera.SerialNumber"))
    if serial:
        record.extra["Camera serial number"] = _SERIAL.sub("", serial)
    time_range = first_str(get_path(comment, "Streak camera.Time Range"))
    if time_range:
        record.extra["Streak time range"] = time_range


VENDOR = Vendor(
    name="hamamatsu", matches=lambda s: s.reader == READER, refine=refine, label=reader_label
)
