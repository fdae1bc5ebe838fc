"""MRC files, and Direct Electron movies with their ``_info.txt`` sidecar.

A Direct Electron camera writes the acquisition into the sidecar (``de_metadata`` in the tree):
the UTC timestamp and the local clock of the same moment (so the time zone), the exposure, the
frame time and rate, the camera's name, and the specimen pixel size. RosettaSciIO reads the
sidecar but sets every axis step to 1, so the pixel size comes from the sidecar; cameras write
-1 for "not calibrated", which is a warning and no value (see ``normalize._check``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import timeutil
from ..schema import SignalMetadata
from ..signal import LightSignal
from ..units import Dimension, first_str, to_float, to_si
from . import Vendor
from ._common import reader_label, subdict

READER = "MRC"
_LOCAL_FORMAT = "%a %b %d %H:%M:%S %Y"  # "Mon Oct 21 14:36:50 2024"


def _acquired(de: dict[str, Any]) -> dt.datetime | None:
    """The local time of the acquisition, aware when the UTC timestamp gives its offset."""
    utc = timeutil.from_unix(de.get("Timestamp (seconds since Epoch)"))
    try:
        local = dt.datetime.strptime(str(de.get("Local time") or "").strip(), _LOCAL_FORMAT)
    except ValueError:
        return utc
    if utc is not None:
        tz = timeutil.offset_from_utc(local, utc)
        if tz is not None:
            return local.replace(tzinfo=tz)
    return local


def _positive(value: Any) -> float | None:
    number = to_float(value)
    return number if number is not None and number > 0 else None


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Time, exposure, frame time, camera and pixel size from a Direct Electron sidecar."""
    de = subdict(signal.original_metadata, "de_metadata")
    if not de:
        return
    version = first_str(de.get("Server Software Version"))
    record.software = f"Direct Electron server {version}" if version else record.software
    when = _acquired(de)
    if when is not None:
        record.set_acquired_at(when)
    record.exposure_time = to_float(de.get("Exposure Time (seconds)")) or record.exposure_time
    frame = to_si(_positive(de.get("Frame Time (nanoseconds)")), "ns", Dimension.TIME)
    rate = _positive(de.get("Frames Per Second"))
    record.frame_time = frame or (1 / rate if rate else None)
    record.detector = first_str(de.get("Camera Name"), de.get("Camera Model"), record.detector)
    if "Specimen Pixel Size X (nanometers)" in de:
        # the axes say 1 nm whatever the file holds: the sidecar's value, or -1 (a warning)
        record.pixel_size = to_si(de["Specimen Pixel Size X (nanometers)"], "nm", Dimension.LENGTH)
    dwell = _positive(de.get("Scan - Dwell Time (microseconds)"))
    if dwell and signal.nav_axes:
        record.dwell_time = to_si(dwell, "µs", Dimension.TIME)
    serial = first_str(de.get("Camera SN"))
    if serial:
        record.extra["Camera serial number"] = serial


VENDOR = Vendor(
    name="direct_electron", matches=lambda s: s.reader == READER, refine=refine, label=reader_label
)
