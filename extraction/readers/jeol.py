"""JEOL Analysis Station: ``.img``/``.map`` images, ``.eds`` spectra, ``.pts`` event streams and
``.asw`` projects.

HyperSpy maps little of their trees. The microscope is ``Instrument.Name`` in images, ``SEM``
in a spectrum's ``Parameters`` and in an event stream's ``PARAMPAGE0_SEM``; the live and real
times, the dwell time (ms) and the probe current (nA) sit in the measurement ``Doc`` or the
spectrum ``Header``; the EDS detector is ``detector_type`` (read generically). A ``.map`` is an
element map from the EDS system: its technique is EDS, whatever HyperSpy's TEM node says.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import Dimension, first_str, to_float, to_si
from . import Vendor
from ._common import maker_from_names, reader_label

READER = "JEOL"
#: where an event stream (``.pts``) keeps its measurement
_MEASUREMENT = ("EDS Data.AnalyzableMap MeasData", "PTTD Data.AnalyzableMap MeasData")
_PTS_SEM = "PTTD Param.Params.PARAMPAGE0_SEM"


def _first(om: dict[str, Any], *paths: str) -> Any:
    for path in paths:
        value = get_path(om, path)
        if value not in (None, ""):
            return value
    return None


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Microscope, vendor, times, probe current and working distance from the JEOL tree."""
    om = signal.original_metadata
    record.software = "JEOL Analysis Station"
    microscope = first_str(
        get_path(om, "Instrument.Name"),
        get_path(om, "Footer.Parameters.SEM"),
        get_path(om, f"{_PTS_SEM}.SEM"),
    )
    record.microscope = microscope or record.microscope
    record.vendor = maker_from_names(record.microscope) or "JEOL"
    docs = [f"{m}.Doc" for m in _MEASUREMENT]
    live = _first(om, *(f"{d}.LiveTime" for d in docs), "Header.live time")
    real = _first(om, *(f"{d}.RealTime" for d in docs), "Header.real time")
    record.live_time = record.live_time or to_float(live)
    record.real_time = record.real_time or to_float(real)
    if record.exposure_time is None:
        record.exposure_time = record.live_time
    dwell = _first(om, *(f"{d}.DwellTime(msec)" for d in docs))
    record.dwell_time = record.dwell_time or to_si(dwell, "ms", Dimension.TIME)
    conditions = [f"{m}.MeasCond" for m in _MEASUREMENT]
    probe = _first(om, *(f"{c}.AccNA" for c in conditions), "Footer.Parameters.AccNA")
    record.beam_current = record.beam_current or to_si(probe, "nA", Dimension.CURRENT)
    distance = _first(
        om, *(f"{c}.WD" for c in conditions), "Footer.Parameters.WorkD", f"{_PTS_SEM}.WorkD"
    )
    record.working_distance = record.working_distance or to_si(distance, "mm", Dimension.LENGTH)
    record.operator = record.operator or first_str(get_path(om, "Header.username"))
    name = str(get_path(signal.metadata, "General.original_filename") or "")
    if PurePath(name).suffix.lower() == ".map":
        record.technique = "EDS"  # an element map, drawn from X-ray counts
        record.imaging_mode = "scanning"
    elif signal.signal_type.upper().startswith("EDS") and signal.nav_axes:
        record.imaging_mode = "scanning"


VENDOR = Vendor(
    name="jeol", matches=lambda s: s.reader == READER, refine=refine, label=reader_label
)
