"""Thermo Fisher Phenom desktop SEM ``.elid`` projects: images, spots, regions, maps, lines.

``instrument.uniqueID`` (``'MVE027364-0026-L'``) is the instrument's serial number, which
HyperSpy takes for the microscope; the model is ``instrument.type`` (``'PhenomXL'``). Values
are ``{"value", "unit"}`` pairs under ``acquisition.scan``: dwell time, spot size, emission
current, the detector, and ``fieldSize`` (the horizontal field width, m). Times are UTC.
"""

from __future__ import annotations

from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import Dimension, first_str, to_float, to_si
from . import Vendor
from ._common import reader_label, setting, subdict

READER = "Phenom"
VENDOR_NAME = "Thermo Fisher Scientific"


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Model and serial, scan settings and software from the Phenom tree."""
    om = signal.original_metadata
    instrument = subdict(om, "instrument")
    serial = first_str(instrument.get("uniqueID"))
    model = first_str(instrument.get("type"))
    if serial or model:
        record.vendor = VENDOR_NAME
        record.instrument_id = serial
        record.instrument_model = first_str(instrument.get("edition"))
        record.microscope = model if model else None
    version = first_str(instrument.get("softwareVersion"))
    if version:
        record.software = f"Phenom {version}"
    scan = subdict(subdict(om, "acquisition"), "scan")
    if scan:
        record.spot_size = to_float(scan.get("spotSize"))
        record.emission_current = setting(scan, "emissionCurrent", Dimension.CURRENT)
        record.horizontal_field_width = to_si(scan.get("fieldSize"), "m", Dimension.LENGTH)
        if not signal.signal_type:  # the image's scan; spectra keep their EDS detector and times
            record.detector = first_str(scan.get("detector"), record.detector)
            record.dwell_time = setting(scan, "dwellTime", Dimension.TIME) or record.dwell_time
    if record.working_distance is None:
        record.working_distance = setting(om, "workingDistance", Dimension.LENGTH)
    record.operator = record.operator or first_str(get_path(om, "currentUser"))


VENDOR = Vendor(
    name="phenom", matches=lambda s: s.reader == READER, refine=refine, label=reader_label
)
