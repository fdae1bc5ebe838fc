"""The Tecnai ``Microscope Info`` block of FEI Titan/Tecnai DigitalMicrograph files, put into
the normalized record.

:func:`extraction.tecnai.parse_microscope_info` reads the U+2028-separated string into readable
keys; here what the schema has a field for (emission current, spot size, defocus, apertures,
the energy filter's mode, loss, slit and dispersion, and, when DM's own tags lack them, the
microscope, operator, high tension, magnification, camera length and stage) goes into the
record, and the rest (gun type, extractor voltage, gun lens, the mode's parts, lens strengths,
image shift, the filter's other settings) into ``record.extra["Tecnai"]``. The parsed block is
also kept in the vendor tree beside the raw string, under :data:`PARSED_KEY`, so it can be read
and compared like any other tag.
"""

from __future__ import annotations

from typing import Any

from ..normalize import set_stage
from ..schema import SignalMetadata
from ..tecnai import parse_microscope_info
from ..units import clean_str, to_float

__all__ = ["PARSED_KEY", "apply_tecnai_block"]

#: the key beside ``Tecnai.Microscope Info`` under which the parsed block is kept
PARSED_KEY = "Microscope Info (read)"
#: parsed keys that fill schema fields (everything else goes to ``extra``)
_IN_SCHEMA = {
    "microscope",
    "serial_number",
    "operator",
    "high_tension",
    "emission_current",
    "spot_size",
    "defocus",
    "magnification",
    "camera_length",
    "stage",
    "apertures",
}
#: energy-filter settings with a schema field: parsed name -> record attribute
_FILTER_FIELDS = {
    "total_energy_loss": "energy_loss",
    "slit_width": "energy_slit_width",
    "dispersion": "energy_dispersion",
}


def _value(quantity: Any) -> float | None:
    """The number of a parsed ``{"value", "unit"}`` quantity (or of a bare number)."""
    if isinstance(quantity, dict):
        return to_float(quantity.get("value"))
    return to_float(quantity)


def apply_tecnai_block(tecnai: dict[str, Any], record: SignalMetadata) -> None:
    """Fill ``record`` from the ``Tecnai`` tag group of DM ``ImageTags`` (nothing when it has
    no ``Microscope Info`` string); values DM's own tags gave are kept."""
    text = tecnai.get("Microscope Info")
    if not isinstance(text, str) or not text.strip():
        return
    info = parse_microscope_info(text)
    tecnai[PARSED_KEY] = info
    record.microscope = record.microscope or clean_str(info.get("microscope"))
    record.instrument_id = record.instrument_id or clean_str(info.get("serial_number"))
    record.operator = record.operator or clean_str(info.get("operator"))
    if record.beam_energy is None:
        record.beam_energy = _value(info.get("high_tension"))  # V of an electron = eV
    if record.emission_current is None:
        record.emission_current = _value(info.get("emission_current"))
    if record.spot_size is None:
        record.spot_size = _value(info.get("spot_size"))
    if record.defocus is None:
        record.defocus = _value(info.get("defocus"))
    projection = str(info.get("mode_parts", {}).get("projection", "")).lower()
    if record.magnification is None and projection != "diffraction":
        record.magnification = _value(info.get("magnification"))
    if record.camera_length is None:
        record.camera_length = _value(info.get("camera_length"))
    stage = info.get("stage")
    if isinstance(stage, dict) and stage and record.stage_x is None:
        set_stage(
            record,
            *(_value(stage.get(axis)) for axis in ("x", "y", "z", "alpha", "beta")),
            length_unit="m",
        )
    for name, aperture in (info.get("apertures") or {}).items():
        size = _value(aperture)
        record.apertures.setdefault(name, size if size is not None else str(aperture))
    rest = {key: value for key, value in info.items() if key not in _IN_SCHEMA}
    settings = dict(rest.pop("energy_filter", None) or {})
    if settings:
        mode = settings.pop("mode", None)
        record.energy_filter_mode = record.energy_filter_mode or clean_str(mode)
        for parsed, attribute in _FILTER_FIELDS.items():
            if parsed in settings and getattr(record, attribute) is None:
                setattr(record, attribute, _value(settings.pop(parsed)))
        if settings:
            rest["energy_filter"] = settings
    if rest:
        record.extra["Tecnai"] = rest
