"""Gatan DigitalMicrograph ``.dm3``/``.dm4``.

Pitfalls handled (see METADATA-MAP.md §1): the date's day/month order follows the acquisition
PC's locale and is settled with the FILETIME/epoch UTC tags (which also give the time zone);
stage positions are µm; in TEM diffraction the "magnification" is a camera length; the tags of
stacks built by the Stack Builder sit under ``source.Tags at creation``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .. import timeutil
from ..normalize import set_stage
from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import Dimension, beam_energy_ev, clean_str, parse_magnification, to_float, to_si
from . import Vendor
from ._common import first_str, maker_from_names, subdict
from .tecnai_block import apply_tecnai_block

READER = "DigitalMicrograph"


def image_tags(signal: LightSignal) -> dict[str, Any]:
    """The ``ImageTags`` group holding the acquisition tags (``{}`` when absent)."""
    tags = get_path(signal.original_metadata, "ImageList.TagGroup0.ImageTags")
    if not isinstance(tags, dict):
        return {}
    created = get_path(tags, "source.Tags at creation")
    if "Microscope Info" not in tags and isinstance(created, dict):
        return created
    return tags


def _utc_clue(tags: dict[str, Any]) -> dt.datetime | None:
    for path in ("DataBar.Acquisition Time (OS)", "DataBar.System Info"):
        value = timeutil.from_filetime(get_path(tags, path))
        if value is not None:
            return value
    epoch_ms = to_float(get_path(tags, "Acquisition.Frame.Sequence.Acquisition Start Time (epoch)"))
    if epoch_ms:
        return timeutil.from_unix(epoch_ms / 1000)
    return None


def _date_time_pairs(tags: dict[str, Any]) -> list[tuple[str, str]]:
    """Where a date and its clock may be: the DataBar, then every acquisition group that
    stamps its start (``EELS``, ``EDS``, ``SI``, ``CL``… ``.Acquisition.Date`` + ``Start time``)."""
    pairs = [("DataBar.Acquisition Date", "DataBar.Acquisition Time")]
    for name, group in tags.items():
        acquisition = group.get("Acquisition") if isinstance(group, dict) else None
        if isinstance(acquisition, dict) and "Date" in acquisition:
            pairs.append((f"{name}.Acquisition.Date", f"{name}.Acquisition.Start time"))
    return pairs


def _raw_date_time(tags: dict[str, Any]) -> tuple[str, str] | None:
    for date_path, time_path in _date_time_pairs(tags):
        date = clean_str(get_path(tags, date_path))
        if date:
            return date, clean_str(get_path(tags, time_path)) or "00:00:00"
    return None


def acquisition_time(tags: dict[str, Any], warnings: list[str]) -> dt.datetime | None:
    """Local acquisition time, made aware when a UTC tag reveals the offset."""
    raw = _raw_date_time(tags)
    if raw is None:
        return None
    clock = timeutil.parse_clock(raw[1]) or dt.time(0, 0)
    candidates = [dt.datetime.combine(day, clock) for day in timeutil.date_candidates(raw[0])]
    if not candidates:
        return None
    utc = _utc_clue(tags)
    if utc is not None:
        for local in candidates:
            tz = timeutil.offset_from_utc(local, utc)
            if tz is not None:
                return local.replace(tzinfo=tz)
    if len(candidates) > 1:
        warnings.append(
            f"date {raw[0]!r} is ambiguous (day/month order depends on the acquisition PC's "
            "locale); read month first"
        )
    return candidates[0]


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Fill the record from DM ImageTags where HyperSpy's metadata is incomplete."""
    record.software = "Gatan DigitalMicrograph"
    apply_tags(image_tags(signal), signal, record)


def apply_tags(tags: dict[str, Any], signal: LightSignal, record: SignalMetadata) -> None:
    """Refine ``record`` from a DM ``ImageTags`` tree (also used for DM tags kept in TIFFs)."""
    if not tags:
        return
    local = acquisition_time(tags, record.warnings)
    if local is not None:
        record.set_acquired_at(local)
    info = subdict(tags, "Microscope Info")
    session = subdict(tags, "Session Info")
    record.microscope = record.microscope or first_str(
        session.get("Microscope"), info.get("Microscope"), info.get("Name")
    )
    record.vendor = maker_from_names(info.get("Name"), session.get("Microscope"), record.microscope)
    if record.beam_energy is None:
        record.beam_energy = beam_energy_ev(info.get("Voltage"), "V") or None
    illumination = str(info.get("Illumination Mode") or "").upper()
    imaging = str(info.get("Imaging Mode") or "").upper()
    operation = str(info.get("Operation Mode") or "").upper()
    if "STEM" in illumination or "SCANNING" in operation or "DigiScan" in tags:
        record.technique = "STEM"
        record.imaging_mode = "scanning"
    elif illumination or operation:
        record.technique = "TEM"
        tem_diffraction = "DIFFRACTION" in imaging or "DIFFRACTION" in operation
        record.imaging_mode = "diffraction" if tem_diffraction else "imaging"
        if tem_diffraction:
            # the "Indicated Magnification" of a TEM diffraction pattern is its camera length
            record.magnification = None
            if record.camera_length is None:
                record.camera_length = _mm(info.get("Indicated Magnification"))
    if record.imaging_mode != "diffraction" and record.magnification is None:
        record.magnification = parse_magnification(info.get("Indicated Magnification"))
    if record.technique == "STEM" and record.camera_length is None:
        record.camera_length = _mm(info.get("STEM Camera Length")) or None
    meta_signal = str(get_path(tags, "Meta Data.Signal") or "").upper()
    if meta_signal == "EELS":
        record.technique = "EELS"
    elif meta_signal in ("X-RAY", "EDS"):
        record.technique = "EDS"
    if record.exposure_time is None:
        record.exposure_time = _exposure(tags)
    if record.dwell_time is None:
        record.dwell_time = to_si(
            get_path(tags, "DigiScan.Sample Time"), "µs", Dimension.TIME
        ) or to_float(get_path(tags, "SI.Acquisition.Pixel time (s)"))
    record.detector = record.detector or first_str(
        get_path(tags, "DataBar.Device Name"),
        get_path(tags, "Acquisition.Device.Name"),
        get_path(tags, "EELS Spectrometer.Instrument name"),
        get_path(tags, "EDS.Detector Info.Detector type"),
    )
    record.operator = record.operator or first_str(session.get("Operator"), info.get("Operator"))
    record.specimen = record.specimen or first_str(session.get("Specimen"), info.get("Specimen"))
    stage = subdict(info, "Stage Position")
    if stage:
        set_stage(
            record,
            stage.get("Stage X"),
            stage.get("Stage Y"),
            stage.get("Stage Z"),
            stage.get("Stage Alpha"),
            stage.get("Stage Beta"),
            length_unit="µm",
        )
    if record.emission_current is None:
        # DM writes 0 when the microscope did not report it
        emission = to_si(info.get("Emission Current (\u00b5A)"), "µA", Dimension.CURRENT)
        record.emission_current = emission or None
    tecnai = tags.get("Tecnai")
    if isinstance(tecnai, dict):
        apply_tecnai_block(tecnai, record)
    record.vendor = record.vendor or maker_from_names(record.microscope)
    if signal.dtype.names:
        record.rgb = True


def _mm(value: Any) -> float | None:
    """A camera length DM gives in mm."""
    return to_si(value, "mm", Dimension.LENGTH)


#: spectrometer groups whose ``Acquisition`` says how long the spectrum was integrated
SPECTROMETERS = ("EELS", "CL")


def _exposure(tags: dict[str, Any]) -> float | None:
    paths = [
        "Acquisition.Parameters.Detector.exposure (s)",
        "DataBar.Exposure Time (s)",
        *(f"{group}.Acquisition.Integration time (s)" for group in SPECTROMETERS),
        "EDS.Live time",
    ]
    for path in paths:
        value = to_float(get_path(tags, path))
        if value is not None:
            return value
    for group in SPECTROMETERS:
        exposure = to_float(get_path(tags, f"{group}.Acquisition.Exposure (s)"))
        frames = to_float(get_path(tags, f"{group}.Acquisition.Number of frames"))
        if exposure is not None:
            return exposure * (frames or 1)
    ns = get_path(tags, "Acquisition.Frame.Sequence.Exposure Time (ns)")
    return to_si(ns, "ns", Dimension.TIME) or None


def label(path: Path, signal: LightSignal) -> str:
    """``digitalmicrograph/dm3`` or ``digitalmicrograph/dm4``."""
    ext = path.suffix[1:].lower()
    return f"digitalmicrograph/{ext if ext in ('dm3', 'dm4') else 'dm'}"


VENDOR = Vendor(
    name="digitalmicrograph",
    matches=lambda s: s.reader == READER,
    refine=refine,
    label=label,
)
