"""Recognizing the facility's instruments in file metadata, by identity."""

from __future__ import annotations

from dataclasses import dataclass

from lims.instruments.models import Instrument, identity_text

#: How a file was linked to its instrument (``InstrumentFile.instrument_source``).
BY_SERIAL = "serial"
BY_NAME = "name"


@dataclass(frozen=True)
class InstrumentMatch:
    """The instrument a file's metadata identifies, and by what (``BY_SERIAL``/``BY_NAME``)."""

    instrument: Instrument | None
    by: str = ""


NO_MATCH = InstrumentMatch(None)


#: Names of one maker (Thermo Fisher Scientific bought FEI; files write either).
VENDOR_ALIASES = {
    "fei": "thermo fisher",
    "fei company": "thermo fisher",
    "thermo fisher scientific": "thermo fisher",
    "thermo scientific": "thermo fisher",
    "jeol ltd.": "jeol",
}


def _maker(vendor: str | None) -> str:
    text = identity_text(vendor)
    return VENDOR_ALIASES.get(text, text)


def _vendors_agree(instrument: Instrument, vendor: str | None) -> bool:
    known, said = _maker(instrument.vendor), _maker(vendor)
    return not known or not said or known == said


def instrument_match(
    *, microscope: str | None, vendor: str | None = None, serial: str | None = None
) -> InstrumentMatch:
    """The active instrument a file's metadata identifies, or none when nothing or more than
    one instrument fits.

    A serial number the file records decides alone. Otherwise the microscope name must equal one
    of an instrument's names (case and spacing aside: "Titan" is not "FEI Titan" nor "Titan
    Cubed"), the vendors must not contradict each other, and an instrument with a serial number
    never takes a file that records another one.
    """
    instruments = list(Instrument.objects.filter(active=True))
    serial_text = identity_text(serial)
    if serial_text:
        by_serial = [i for i in instruments if identity_text(i.serial_number) == serial_text]
        if len(by_serial) == 1:
            return InstrumentMatch(by_serial[0], BY_SERIAL)
    name = identity_text(microscope)
    if not name:
        return NO_MATCH
    by_name = [
        i
        for i in instruments
        if name in i.known_names()
        and _vendors_agree(i, vendor)
        and not (serial_text and i.serial_number and identity_text(i.serial_number) != serial_text)
    ]
    return InstrumentMatch(by_name[0], BY_NAME) if len(by_name) == 1 else NO_MATCH
