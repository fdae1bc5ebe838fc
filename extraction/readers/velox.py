"""Thermo Fisher Velox ``.emd`` (HDF5 with one JSON metadata tree per signal).

Pitfalls handled (METADATA-MAP.md §3): HyperSpy converts the UTC epoch to the *reading*
machine's time zone, so the raw epoch is used; TEM images carry magnification 0 (the nominal
magnification is in ``Optics``) and a meaningless camera length; exposure, dwell, operator and
specimen never reach HyperSpy's metadata; stage tilts are radians.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .. import timeutil
from ..normalize import make_stage, set_local_time
from ..signal import LightSignal, get_path
from ..units import clean_str, to_float
from . import Vendor
from ._common import first_str, maker_from_names, subdict


def is_velox(signal: LightSignal) -> bool:
    """A signal read from a Velox EMD (its tree has Core/Optics/BinaryResult groups)."""
    om = signal.original_metadata
    return (
        signal.reader == "EMD" and isinstance(om, dict) and "BinaryResult" in om and "Optics" in om
    )


def _detector_node(om: dict[str, Any], name: str | None) -> dict[str, Any]:
    detectors = subdict(om, "Detectors")
    for node in detectors.values():
        if isinstance(node, dict) and name and clean_str(node.get("DetectorName")) == name:
            return node
    return {}


def refine(signal: LightSignal, record: dict[str, Any]) -> None:
    """Fill the record from the Velox metadata tree of this signal."""
    om = signal.original_metadata
    record["acquired_at"] = None
    record["acquired_at_timezone_known"] = False
    for path in (
        "Acquisition.AcquisitionStartDatetime.DateTime",
        "Acquisition.AcquisitionDatetime.DateTime",
    ):
        utc = timeutil.from_unix(get_path(om, path))
        if utc is not None:
            set_local_time(record, utc)
            break
    instrument = subdict(om, "Instrument")
    record["microscope"] = record["microscope"] or first_str(
        instrument.get("InstrumentClass"), instrument.get("InstrumentModel")
    )
    record["vendor"] = first_str(instrument.get("Manufacturer")) or maker_from_names(
        record["microscope"]
    )
    for key, extra in (("InstrumentModel", "model"), ("InstrumentId", "instrument_id")):
        if clean_str(instrument.get(key)):
            record["extra"][extra] = clean_str(instrument.get(key))
    optics = subdict(om, "Optics")
    operating = clean_str(optics.get("OperatingMode"))
    submode = str(optics.get("TemOperatingSubMode") or "")
    if operating == "2" or (
        clean_str(optics.get("IlluminationMode")) == "Probe" and operating != "1"
    ):
        record["technique"] = "STEM"
        record["imaging_mode"] = "scanning"
        mag = to_float(get_path(om, "CustomProperties.StemMagnification.value"))
        if not record["magnification"] and mag:
            record["magnification"] = mag
    elif operating == "1":
        record["technique"] = "TEM"
        diffraction = "diffraction" in submode.lower()
        record["imaging_mode"] = "diffraction" if diffraction else "imaging"
        if not record["magnification"]:
            record["magnification"] = to_float(optics.get("NominalMagnification")) or None
        if not diffraction:
            record["camera_length_mm"] = None
    if record["beam_energy_keV"] is None and to_float(optics.get("AccelerationVoltage")):
        record["beam_energy_keV"] = float(optics["AccelerationVoltage"]) / 1000
    detector = first_str(
        get_path(om, "BinaryResult.Detector"), get_path(om, "DetectorMetadata.DetectorName")
    )
    record["detector"] = detector
    node = _detector_node(om, detector)
    live = to_float(node.get("LiveTime"))
    if live is not None and signal.signal_type.startswith("EDS"):
        record["exposure_s"] = live
        real = to_float(node.get("RealTime"))
        if real is not None:
            record["extra"]["real_time_s"] = real
    elif to_float(node.get("ExposureTime")) is not None and record["technique"] == "TEM":
        record["exposure_s"] = to_float(node.get("ExposureTime"))
    if record["technique"] == "STEM":
        record["dwell_time_s"] = to_float(get_path(om, "Scan.DwellTime"))
        frame = to_float(get_path(om, "Scan.FrameTime"))
        if frame is not None:
            record["extra"]["frame_time_s"] = frame
    record["operator"] = record["operator"] or clean_str(get_path(om, "Core.UserId"))
    record["specimen"] = record["specimen"] or first_str(
        get_path(om, "Sample.SampleDescription"), get_path(om, "Sample.SampleId")
    )
    elements = get_path(signal.metadata, "Sample.elements")
    if elements:
        record["extra"]["elements"] = [str(e) for e in elements]
    stage = subdict(om, "Stage")
    if stage:
        alpha = to_float(stage.get("AlphaTilt"))
        beta = to_float(stage.get("BetaTilt"))
        record["stage"] = make_stage(
            to_float(get_path(stage, "Position.x")),
            to_float(get_path(stage, "Position.y")),
            to_float(get_path(stage, "Position.z")),
            math.degrees(alpha) if alpha is not None else None,
            math.degrees(beta) if beta is not None else None,
            length_unit_m=1.0,
        )


def label(path: Path, signal: LightSignal) -> str:
    """``emd/velox``."""
    return "emd/velox"


VENDOR = Vendor(name="velox", matches=is_velox, refine=refine, label=label)
