"""Thermo Fisher Velox ``.emd`` (HDF5 with one JSON metadata tree per signal).

Pitfalls handled (METADATA-MAP.md §3): HyperSpy converts the UTC epoch to the *reading*
machine's time zone, so the raw epoch is used; TEM images carry magnification 0 (the nominal
magnification is in ``Optics``) and a meaningless camera length; exposure, dwell, operator and
specimen never reach HyperSpy's metadata; stage tilts are radians.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import timeutil
from ..normalize import set_stage
from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import beam_energy_ev, clean_str, to_float
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


def _is_analytical(om: dict[str, Any], name: str | None) -> bool:
    """An X-ray detector: its node, or the segments it combines (``SuperXG2`` is
    ``SuperXG21``…``SuperXG24``), are ``AnalyticalDetector``s."""
    if not name:
        return False
    types = {
        clean_str(node.get("DetectorType"))
        for node in subdict(om, "Detectors").values()
        if isinstance(node, dict) and str(node.get("DetectorName") or "").startswith(name)
    }
    return types == {"AnalyticalDetector"}


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Fill the record from the Velox metadata tree of this signal (SI units: V, m, s, rad)."""
    om = signal.original_metadata
    utc = None
    for path in (
        "Acquisition.AcquisitionStartDatetime.DateTime",
        "Acquisition.AcquisitionDatetime.DateTime",
    ):
        utc = timeutil.from_unix(get_path(om, path))
        if utc is not None:
            break
    record.set_acquired_at(utc)
    instrument = subdict(om, "Instrument")
    record.microscope = record.microscope or first_str(
        instrument.get("InstrumentClass"), instrument.get("InstrumentModel")
    )
    record.vendor = first_str(instrument.get("Manufacturer")) or maker_from_names(record.microscope)
    record.instrument_model = clean_str(instrument.get("InstrumentModel"))
    record.instrument_id = clean_str(instrument.get("InstrumentId"))
    optics = subdict(om, "Optics")
    operating = clean_str(optics.get("OperatingMode"))
    submode = str(optics.get("TemOperatingSubMode") or "")
    if operating == "2" or (
        clean_str(optics.get("IlluminationMode")) == "Probe" and operating != "1"
    ):
        record.technique = "STEM"
        record.imaging_mode = "scanning"
        mag = to_float(get_path(om, "CustomProperties.StemMagnification.value"))
        if not record.magnification and mag:
            record.magnification = mag
    elif operating == "1":
        record.technique = "TEM"
        diffraction = "diffraction" in submode.lower()
        record.imaging_mode = "diffraction" if diffraction else "imaging"
        if not record.magnification:
            record.magnification = to_float(optics.get("NominalMagnification")) or None
        if not diffraction:
            record.camera_length = None
    if record.beam_energy is None:
        record.beam_energy = beam_energy_ev(optics.get("AccelerationVoltage"), "V") or None
    detector = first_str(
        get_path(om, "BinaryResult.Detector"), get_path(om, "DetectorMetadata.DetectorName")
    )
    record.detector = detector
    if len(signal.sig_axes) == 2 and _is_analytical(om, detector):
        record.technique = "EDS"  # an element map, drawn from the X-ray detectors' counts
    node = _detector_node(om, detector)
    live = to_float(node.get("LiveTime"))
    if live is not None and signal.signal_type.startswith("EDS"):
        record.exposure_time = record.live_time = live
        real = to_float(node.get("RealTime"))
        if real is not None:
            record.real_time = real
    elif to_float(node.get("ExposureTime")) is not None and record.technique == "TEM":
        record.exposure_time = to_float(node.get("ExposureTime"))
    if record.technique == "STEM":
        record.dwell_time = to_float(get_path(om, "Scan.DwellTime"))
        record.frame_time = to_float(get_path(om, "Scan.FrameTime"))
    record.operator = record.operator or clean_str(get_path(om, "Core.UserId"))
    record.specimen = record.specimen or first_str(
        get_path(om, "Sample.SampleDescription"), get_path(om, "Sample.SampleId")
    )
    elements = get_path(signal.metadata, "Sample.elements")
    if elements:
        record.elements = [str(e) for e in elements]
    stage = subdict(om, "Stage")
    if stage:
        set_stage(
            record,
            get_path(stage, "Position.x"),
            get_path(stage, "Position.y"),
            get_path(stage, "Position.z"),
            stage.get("AlphaTilt"),
            stage.get("BetaTilt"),
            length_unit="m",
            angle_unit="rad",
        )


def label(path: Path, signal: LightSignal) -> str:
    """``emd/velox``."""
    return "emd/velox"


VENDOR = Vendor(name="velox", matches=is_velox, refine=refine, label=label)
