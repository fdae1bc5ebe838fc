"""FEI/Thermo SEM/FIB TIFF (Helios…) with the vendor's INI metadata in a private tag.

Pitfalls handled (METADATA-MAP.md §5): no magnification is stored (it is derived from the
horizontal field width and the reference canvas width); the stage is in metres and radians;
the data bar is part of the pixels (``image_rows`` lets previews crop it); the model
name carries a stray quote.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..normalize import set_stage
from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import Dimension, beam_energy_ev, clean_str, to_float, to_si
from . import Vendor
from ._common import first_str, subdict


def _creation_time(text: Any) -> dt.datetime | None:
    value = clean_str(text)
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%d.%m.%Y %H:%M:%S")
    except ValueError:
        return None


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Fill the record from the ``fei_metadata`` sections (SI units: V, m, s, radians)."""
    fei = signal.original_metadata.get("fei_metadata") or {}
    created = _creation_time(get_path(fei, "PrivateFei.TimeOfCreation"))
    if created is not None:
        user_time = record.acquired_at
        if user_time is not None and user_time.replace(tzinfo=None) != created:
            record.warnings.append(
                f"User.Date/Time ({user_time.isoformat()}) and TimeOfCreation ({created}) disagree"
            )
        record.set_acquired_at(created)
    name = first_str(get_path(fei, "System.SystemType"), record.microscope)
    record.microscope = name.replace('"', "").replace("  ", " ") if name else None
    record.vendor = "FEI"
    beam = str(get_path(fei, "Beam.Beam") or "").lower()
    record.technique = "FIB" if beam.startswith("ibeam") or beam.startswith("ion") else "SEM"
    record.imaging_mode = "scanning"
    if record.beam_energy is None:
        record.beam_energy = beam_energy_ev(get_path(fei, "Beam.HV"), "V") or None
    column = "IBeam" if record.technique == "FIB" else "EBeam"
    hfw = to_float(get_path(fei, f"{column}.HFW")) or to_float(get_path(fei, "Scan.HorFieldsize"))
    canvas = to_float(get_path(fei, "Image.MagCanvasRealWidth"))
    if hfw:
        record.horizontal_field_width = hfw
        if canvas and record.magnification is None:
            # the magnification FEI software displays: reference canvas width over field width
            record.magnification = round(canvas / hfw, 3)
    if record.dwell_time is None:
        record.dwell_time = to_float(get_path(fei, "Scan.Dwelltime"))
    record.frame_time = to_float(get_path(fei, "Scan.FrameTime"))
    detector = clean_str(get_path(fei, "Detectors.Name"))
    mode = clean_str(get_path(fei, "Detectors.Mode"))
    record.detector = f"{detector} ({mode})" if detector and mode else detector or mode
    record.operator = record.operator or clean_str(get_path(fei, "User.User"))
    record.specimen = record.specimen or clean_str(get_path(fei, "User.UserText"))
    stage = subdict(fei, "Stage")
    if stage:
        set_stage(
            record,
            stage.get("StageX"),
            stage.get("StageY"),
            stage.get("StageZ"),
            stage.get("StageT"),
            None,
            length_unit="m",
            angle_unit="rad",
        )
        record.stage_rotation = to_si(stage.get("StageR"), "rad", Dimension.ANGLE)
    wd = to_float(get_path(fei, "Stage.WorkingDistance")) or to_float(get_path(fei, "EBeam.WD"))
    if wd is not None:
        record.working_distance = wd
    rows = to_float(get_path(fei, "Image.ResolutionY"))
    if rows and signal.sig_axes and rows < signal.sig_axes[0].size:
        record.image_rows = int(rows)


def label(path: Path, signal: LightSignal) -> str:
    """``tiff/fei-sem`` (or ``tiff/fei-fib``)."""
    beam = str(get_path(signal.original_metadata, "fei_metadata.Beam.Beam") or "").lower()
    return "tiff/fei-fib" if beam.startswith("ibeam") else "tiff/fei-sem"


VENDOR = Vendor(
    name="fei_tiff",
    matches=lambda s: (
        s.reader == "TIFF" and isinstance(s.original_metadata.get("fei_metadata"), dict)
    ),
    refine=refine,
    label=label,
)
