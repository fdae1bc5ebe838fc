"""FEI/Thermo SEM/FIB TIFF (Helios…) with the vendor's INI metadata in a private tag.

Pitfalls handled (METADATA-MAP.md §5): no magnification is stored (it is derived from the
horizontal field width and the reference canvas width); the stage is in metres and radians;
the data bar is part of the pixels (``extra.image_rows`` lets previews crop it); the model
name carries a stray quote.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from ..normalize import make_stage, set_local_time
from ..signal import LightSignal, get_path
from ..units import clean_str, to_float
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


def refine(signal: LightSignal, record: dict[str, Any]) -> None:
    """Fill the record from the ``fei_metadata`` sections."""
    fei = signal.original_metadata.get("fei_metadata") or {}
    created = _creation_time(get_path(fei, "PrivateFei.TimeOfCreation"))
    if created is not None:
        if record["acquired_at"] and record["acquired_at"][:19] != created.isoformat():
            record["warnings"].append(
                f"User.Date/Time ({record['acquired_at']}) and TimeOfCreation ({created}) disagree"
            )
        record["acquired_at"] = None
        set_local_time(record, created)
    name = first_str(get_path(fei, "System.SystemType"), record["microscope"])
    record["microscope"] = name.replace('"', "").replace("  ", " ") if name else None
    record["vendor"] = "FEI"
    beam = str(get_path(fei, "Beam.Beam") or "").lower()
    record["technique"] = "FIB" if beam.startswith("ibeam") or beam.startswith("ion") else "SEM"
    record["imaging_mode"] = "scanning"
    if record["beam_energy_keV"] is None:
        volts = to_float(get_path(fei, "Beam.HV"))
        record["beam_energy_keV"] = volts / 1000 if volts else None
    column = "IBeam" if record["technique"] == "FIB" else "EBeam"
    hfw = to_float(get_path(fei, f"{column}.HFW")) or to_float(get_path(fei, "Scan.HorFieldsize"))
    canvas = to_float(get_path(fei, "Image.MagCanvasRealWidth"))
    if hfw:
        record["extra"]["horizontal_field_width_m"] = hfw
        if canvas and record["magnification"] is None:
            # the magnification FEI software displays: reference canvas width over field width
            record["magnification"] = round(canvas / hfw, 3)
    if record["dwell_time_s"] is None:
        record["dwell_time_s"] = to_float(get_path(fei, "Scan.Dwelltime"))
    frame = to_float(get_path(fei, "Scan.FrameTime"))
    if frame is not None:
        record["extra"]["frame_time_s"] = frame
    detector = clean_str(get_path(fei, "Detectors.Name"))
    mode = clean_str(get_path(fei, "Detectors.Mode"))
    record["detector"] = f"{detector} ({mode})" if detector and mode else detector or mode
    record["operator"] = record["operator"] or clean_str(get_path(fei, "User.User"))
    record["specimen"] = record["specimen"] or clean_str(get_path(fei, "User.UserText"))
    stage = subdict(fei, "Stage")
    if stage:
        tilt = to_float(stage.get("StageT"))
        record["stage"] = make_stage(
            to_float(stage.get("StageX")),
            to_float(stage.get("StageY")),
            to_float(stage.get("StageZ")),
            math.degrees(tilt) if tilt is not None else None,
            None,
            length_unit_m=1.0,
        )
        rotation = to_float(stage.get("StageR"))
        if rotation is not None:
            record["extra"]["stage_rotation_deg"] = math.degrees(rotation)
    wd = to_float(get_path(fei, "Stage.WorkingDistance")) or to_float(get_path(fei, "EBeam.WD"))
    if wd is not None:
        record["extra"]["working_distance_mm"] = wd * 1e3
    rows = to_float(get_path(fei, "Image.ResolutionY"))
    if rows and signal.sig_axes and rows < signal.sig_axes[0].size:
        record["extra"]["image_rows"] = int(rows)


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
