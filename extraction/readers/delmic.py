"""Delmic (Odemis) HDF5: cathodoluminescence on an SEM, SPARC and similar systems.

The tree mixes the optical path and the electron beam: ``Magnification`` at the top is the
light optics' (0.31), the SEM's is ``ExtraSettings['SEM E-beam'].magnification``; settings are
``[value, unit]`` pairs. ``AcquisitionDate`` is Unix time (UTC). ``HardwareName`` is the
camera or spectrometer with its serial number in brackets.
"""

from __future__ import annotations

import re

from .. import timeutil
from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import Dimension, beam_energy_ev, first_str, to_float
from . import Vendor
from ._common import reader_label, setting, subdict

READER = "Delmic"
_SERIAL = re.compile(r"\s*\((?:s/n|sn|serial)[:\s]*([^)]*)\)\s*$", re.IGNORECASE)


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """SEM magnification, dwell and integration times, detector and UTC time."""
    om = signal.original_metadata
    when = timeutil.from_unix(om.get("AcquisitionDate"))
    if when is not None:
        record.set_acquired_at(when)
    writer = first_str(get_path(om, "SVIData.WriterVersion"))
    record.software = f"Delmic {writer}" if writer else "Delmic Odemis"
    beam = subdict(subdict(om, "ExtraSettings"), "SEM E-beam")
    magnification = beam.get("magnification")
    if isinstance(magnification, list | tuple) and magnification:
        record.magnification = to_float(magnification[0]) or record.magnification
    record.dwell_time = setting(beam, "dwellTime", Dimension.TIME) or record.dwell_time
    voltage = beam.get("accelVoltage")
    if record.beam_energy is None and isinstance(voltage, list | tuple) and len(voltage) == 2:
        record.beam_energy = beam_energy_ev(voltage[0], voltage[1] or "V")
    record.beam_current = setting(beam, "probeCurrent", Dimension.CURRENT) or record.beam_current
    integration = to_float(om.get("IntegrationTime"))
    if integration:
        record.exposure_time = integration
    hardware = first_str(om.get("HardwareName"))
    if hardware:
        serial = _SERIAL.search(hardware)
        record.detector = _SERIAL.sub("", hardware) or hardware
        if serial and serial.group(1).strip():
            record.extra["Detector serial number"] = serial.group(1).strip()
    if signal.signal_type.upper().startswith("CL") or "CL Detector" in subdict(om, "ExtraSettings"):
        record.technique = "CL"
    if beam:
        record.imaging_mode = "scanning"


VENDOR = Vendor(
    name="delmic", matches=lambda s: s.reader == READER, refine=refine, label=reader_label
)
