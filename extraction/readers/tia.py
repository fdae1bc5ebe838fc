"""FEI/Thermo TIA ``.emi`` + ``_N.ser`` (or a lone ``.ser``).

Pitfalls handled (METADATA-MAP.md §2): RosettaSciIO converts axis scales from metres to nm but
leaves the offsets in metres; ``AcquireDate`` is local time while the ``.ser`` ``Time`` tag is
UTC (their gap gives the time zone); the exposure is a string and in STEM it is the pixel dwell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from .. import timeutil
from ..normalize import set_stage
from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import beam_energy_ev, clean_str, to_float
from . import Vendor
from ._common import first_str, maker_from_names

READER = "TIA"


def _first_number(value: Any) -> float | None:
    if isinstance(value, np.ndarray):
        flat = value.ravel()
        return to_float(flat[0]) if flat.size else None
    if isinstance(value, (list, tuple)):
        return to_float(value[0]) if value else None
    return to_float(value)


def fix_offsets(signal: LightSignal) -> None:
    """Convert axis offsets left in (1/)metres to the nm (1/nm) of the scales."""
    for axis in signal.axes:
        span = abs(axis.scale) * max(axis.size, 1)
        if not axis.offset or not span:
            continue
        ratio = abs(axis.offset) / span
        if axis.units == "nm" and ratio < 1e-6:
            axis.offset *= 1e9
        elif axis.units == "1 / nm" and ratio > 1e6:
            axis.offset /= 1e9


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Fill the record from the ``.emi`` ObjectInfo and the ``.ser`` header."""
    fix_offsets(signal)
    om = signal.original_metadata
    described = get_path(om, "ObjectInfo.ExperimentalDescription") or {}
    acquire = get_path(om, "ObjectInfo.AcquireInfo") or {}
    header = om.get("ser_header_parameters") or {}
    utc = timeutil.from_unix(_first_number(header.get("Time")))
    local = None
    date_text = clean_str(get_path(om, "ObjectInfo.AcquireDate"))
    if date_text:
        try:
            local = dt.datetime.strptime(" ".join(date_text.split()), "%a %b %d %H:%M:%S %Y")
        except ValueError:
            local = None
    if local is not None:
        tz = timeutil.offset_from_utc(local, utc) if utc else None
        record.set_acquired_at(local.replace(tzinfo=tz) if tz else local)
    else:
        record.set_acquired_at(utc)
    manufacturer = clean_str(get_path(om, "ObjectInfo.Manufacturer"))
    record.vendor = (manufacturer.split(" (")[0] if manufacturer else None) or maker_from_names(
        record.microscope
    )
    mode = str(described.get("Mode") or "")
    upper = mode.upper()
    if "STEM" in upper:
        record.technique = "STEM"
        record.imaging_mode = "scanning"
    elif "TEM" in upper:
        record.technique = "TEM"
        record.imaging_mode = "diffraction" if "DIFFRACTION" in upper else "imaging"
    if mode:
        record.extra["Mode"] = mode.strip()
    if record.beam_energy is None:
        record.beam_energy = beam_energy_ev(described.get("High tension_kV"), "kV")
    exposure = to_float(
        get_path(signal.metadata, "Acquisition_instrument.TEM.Detector.Camera.exposure")
    )
    if exposure is None:
        exposure = to_float(acquire.get("DwellTimePath"))
    if record.technique == "STEM":
        record.exposure_time = None
        record.dwell_time = exposure
        record.frame_time = to_float(acquire.get("FrameTime"))
    else:
        record.exposure_time = exposure
    record.detector = first_str(
        get_path(signal.metadata, "Acquisition_instrument.TEM.Detector.Camera.Name"),
        acquire.get("CameraNamePath"),
    )
    record.operator = record.operator or clean_str(described.get("User"))
    if described:
        set_stage(
            record,
            described.get("Stage X_um"),
            described.get("Stage Y_um"),
            described.get("Stage Z_um"),
            described.get("Stage A_deg"),
            described.get("Stage B_deg"),
            length_unit="µm",
        )


def label(path: Path, signal: LightSignal) -> str:
    """``tia/emi`` or ``tia/ser`` (a ``.ser`` read without its ``.emi``)."""
    return "tia/emi" if path.suffix.lower() == ".emi" else "tia/ser"


VENDOR = Vendor(name="tia", matches=lambda s: s.reader == READER, refine=refine, label=label)
