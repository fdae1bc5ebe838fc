"""Recognizing the facility's instruments in file metadata."""

from __future__ import annotations

from lims.instruments.models import Instrument


def instrument_for_microscope(microscope: str | None) -> Instrument | None:
    """The active instrument whose patterns match ``microscope``; the longest match wins."""
    if not microscope:
        return None
    best: tuple[int, Instrument] | None = None
    for instrument in Instrument.objects.filter(active=True):
        for pattern in instrument.match_patterns:
            matches = pattern.strip() and pattern.casefold() in microscope.casefold()
            if matches and (best is None or len(pattern) > best[0]):
                best = (len(pattern), instrument)
    return best[1] if best else None
