"""Normalized values as a microscopist reads them: one number style, a readable unit.

A quantity is converted (by pint, see :mod:`extraction.units`) from the unit its field stores
it in to the one of the field's :attr:`~extraction.schema.FieldSpec.display_units` that keeps
the number at or above 1: ``0.1 s`` → ``100 ms``, ``1e-4 s`` → ``100 µs``, ``2.5e-11 m`` →
``25 pm``; a field with one display unit always uses it (``3e5 eV`` → ``300 keV``). Numbers
keep four significant digits; from 1000 on they are whole and grouped by thousands with a
narrow no-break space (magnifications ``1 300 000`` and ``225 000``): never ``1.3000e+06``
beside ``225000``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from . import units
from .schema import TIMES_SIGN, FieldKind, FieldSpec

__all__ = ["display_unit", "format_number", "format_quantity", "format_value"]

#: groups thousands (SI style: a narrow space, which also never breaks a line)
THOUSANDS = "\u202f"
#: between a number and its unit: a space that never breaks a line
UNIT_SPACE = "\u00a0"
#: display symbols pint reads otherwise (or not at all)
_PINT_NAMES = {TIMES_SIGN: "dimensionless"}
#: written right after the number
_ATTACHED = {"°", TIMES_SIGN}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
SIGNIFICANT = 4


def format_number(value: float, digits: int = SIGNIFICANT) -> str:
    """``value`` with ``digits`` significant digits (``248.5``, ``0.1744``); whole and grouped
    from 1000 on (``1 271 519``); a power of ten only below 0.001 (``2.5`` times ten to the
    minus six is written with a multiplication sign and a superscript exponent)."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if abs(float(f"{value:.{digits}g}")) >= 1000:
        return f"{round(value):,}".replace(",", THOUSANDS)
    if abs(value) >= 1e-3:
        return f"{value:.{digits}g}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}{TIMES_SIGN}10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def _ratio(spec: FieldSpec, unit: str) -> float | None:
    source = _PINT_NAMES.get(spec.unit, spec.unit)
    return units.factor(source, _PINT_NAMES.get(unit, unit))


def display_unit(spec: FieldSpec, value: float) -> str:
    """The display unit for ``value`` (in ``spec.unit``): the largest of the field's display
    units in which the shown number is at least 1, else the smallest."""
    candidates = spec.display_units or (spec.unit,)
    if value == 0:
        return candidates[-1]
    chosen = candidates[0]
    for unit in candidates:
        ratio = _ratio(spec, unit)
        if ratio is not None and abs(float(f"{value * ratio:.{SIGNIFICANT}g}")) >= 1:
            chosen = unit
    return chosen


def format_quantity(
    spec: FieldSpec, value: float | None, unit: str | None = None
) -> tuple[str, str]:
    """``(number, unit)`` to show a quantity stored in ``spec.unit``: ``('300', 'keV')``.

    ``unit`` forces one display unit (a comparison of two files uses the same one);
    ``('', '')`` for an unknown value.
    """
    if value is None:
        return "", ""
    target = unit or display_unit(spec, value)
    ratio = _ratio(spec, target)
    if ratio is None:  # a display unit that does not fit: the stored unit is still true
        return format_number(value), spec.unit
    return format_number(value * ratio), target


def format_value(spec: FieldSpec, value: Any) -> str:
    """Any field's value as one string (``''`` when unknown): quantities with their unit,
    choices by their label, shapes as ``256 by 256`` (with a multiplication sign), flags as
    yes/no."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    kind = spec.kind
    if kind is FieldKind.QUANTITY:
        return _with_unit(*format_quantity(spec, float(value)))
    if kind is FieldKind.DATETIME:
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ", timespec="seconds")
        return str(value)
    if kind is FieldKind.ENUM:
        return spec.choice_label(value)
    if kind is FieldKind.LIST:
        return ", ".join(spec.choice_label(item) for item in value)
    if kind is FieldKind.SHAPE:
        return f" {TIMES_SIGN} ".join(str(n) for n in value)
    if kind is FieldKind.COUNT:
        return format_number(int(value))
    if kind is FieldKind.FLAG:
        return "yes" if value else "no"
    if kind is FieldKind.MAPPING:
        return "; ".join(f"{key}: {_mapping_item(spec, item)}" for key, item in value.items())
    return str(value)


def _mapping_item(spec: FieldSpec, item: Any) -> str:
    """One value of a mapping: a number in the field's unit is shown as a quantity."""
    if spec.unit and isinstance(item, int | float) and not isinstance(item, bool):
        return _with_unit(*format_quantity(spec, float(item)))
    return str(item)


def _with_unit(number: str, unit: str) -> str:
    if not unit or unit == "dimensionless":
        return number
    return f"{number}{unit}" if unit in _ATTACHED else f"{number}{UNIT_SPACE}{unit}"
