"""Reading the values of field filters: quantities with units (pint, through
:mod:`extraction.units`, as the readers convert them), dates, ranges and comparisons.

A quantity typed without a range matches within the precision it was typed to: ``kv:200`` is
199.5 to 200.5 kV, ``0.1 nm`` is 0.05 to 0.15 nm, ``1 Mx`` is 0.5 to 1.5 million.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from django.utils import timezone

from extraction import units
from extraction.units import beam_energy_ev, convert, dimension_of, parse_magnification
from lims.search.fields import SearchField


class BadValue(ValueError):
    """A value the user typed that does not read; the message says why."""


@dataclass(frozen=True)
class Bounds:
    """A range of values; an end is None when open."""

    low: float | dt.datetime | None
    high: float | dt.datetime | None
    low_inclusive: bool = True
    high_inclusive: bool = True


_NUMBER = re.compile(
    r"^\s*(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>.*?)\s*$"
)
_MAG_UNIT = re.compile(r"^[kKM]?[xX\u00d7]?$")
_COMPARISON = re.compile(r"^(?P<op>>=|<=|>|<|=)?(?P<rest>.*)$", re.S)
_CONTEXT = {"m": units.Dimension.LENGTH, "1/m": units.Dimension.RECIPROCAL_LENGTH}
_DATE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")


def _precision(number: str) -> float:
    """Half a unit of the last digit typed (``200`` → 0.5, ``0.15`` → 0.005, ``1e6`` → 0.5e6)."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def quantity(search_field: SearchField, text: str) -> tuple[float, float]:
    """A typed quantity in the field's stored unit, and half the precision it was typed to."""
    match = _NUMBER.match(text)
    if not match:
        raise BadValue(f"{search_field.name}: {text!r} is not a number")
    number, unit = match.group("number"), match.group("unit")
    value = float(number)
    if not math.isfinite(value):
        raise BadValue(f"{search_field.name}: {text!r} is not a number")
    if search_field.name == "magnification":
        if not _MAG_UNIT.match(unit):
            raise BadValue(f"mag: {unit!r} is no magnification (write 50k, 1.2M or 1Mx)")
        scale = parse_magnification(f"1 {unit}") or 1.0
        return value * scale, _precision(number) * scale
    factor = _factor(search_field, unit or search_field.typed_unit, text)
    return value * factor, _precision(number) * abs(factor)


def _factor(search_field: SearchField, unit: str, text: str) -> float:
    """How many stored units one typed unit is."""
    if not search_field.unit or unit == search_field.unit:
        if unit and unit != search_field.unit:
            raise BadValue(f"{search_field.name} takes no unit ({text!r})")
        return 1.0
    if search_field.unit == "eV":  # beam energy: an accelerating voltage or an energy
        factor = beam_energy_ev(1.0, unit)
    else:  # a bare "A" beside lengths is an angstrom, as in the files
        factor = units.factor(unit, search_field.unit, _CONTEXT.get(search_field.unit))
    if factor is None or not math.isfinite(factor) or factor == 0:
        wanted = search_field.typed_unit or search_field.unit
        if dimension_of(unit) is None and not _known_unit(unit):
            raise BadValue(f"{search_field.name}: {unit!r} is not a unit (try {wanted})")
        raise BadValue(f"{search_field.name}: {unit!r} does not measure it (try {wanted})")
    return factor


def _known_unit(unit: str) -> bool:
    return convert(1.0, unit, unit) is not None


def date_period(text: str) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of a year, month or day and the first instant after it (local)."""
    match = _DATE.match(text.strip())
    if not match:
        raise BadValue(f"{text!r} is not a date (write 2024, 2024-03 or 2024-03-15)")
    year, month, day = int(match.group("y")), match.group("m"), match.group("d")
    try:
        if day:
            start = dt.datetime(year, int(month), int(day))
            stop = start + dt.timedelta(days=1)
        elif month:
            start = dt.datetime(year, int(month), 1)
            stop = dt.datetime(year + (start.month == 12), start.month % 12 + 1, 1)
        else:
            start, stop = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    except ValueError as exc:
        raise BadValue(f"{text!r} is not a date ({exc})") from None
    zone = timezone.get_current_timezone()
    return timezone.make_aware(start, zone), timezone.make_aware(stop, zone)


def bounds(search_field: SearchField, text: str) -> Bounds:
    """The range a quantity or date filter's value stands for: ``a``, ``a..b``, ``a..``,
    ``..b``, ``a..<b`` (without ``b``), ``>a``, ``>=a``, ``<a``, ``<=a``."""
    text = text.strip()
    if ".." in text:
        low_text, _, high_text = text.partition("..")
        if not low_text.strip() and not high_text.strip():
            raise BadValue(f"{search_field.name}: a range needs at least one end")
        if high_text.startswith("<") and search_field.kind != "date":
            return _half_open(search_field, low_text, high_text[1:])
        low = _value_range(search_field, low_text)[0] if low_text.strip() else None
        high = _value_range(search_field, high_text)[1] if high_text.strip() else None
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            raise BadValue(f"{search_field.name}: the range {text!r} is empty")
        return Bounds(low, high, True, search_field.kind != "date")
    comparison = _COMPARISON.match(text)
    assert comparison is not None
    op, rest = comparison.group("op"), comparison.group("rest")
    if not rest.strip():
        raise BadValue(f"{search_field.name} needs a value")
    is_date = search_field.kind == "date"
    if op in (">", ">=", "<", "<=") and not is_date:
        return exact_bound(search_field, rest, op)
    start, stop = _value_range(search_field, rest)
    if op == ">":
        return Bounds(stop, None, is_date, True)
    if op == ">=":
        return Bounds(start, None)
    if op == "<":
        return Bounds(None, start, True, False)
    if op == "<=":
        return Bounds(None, stop, True, not is_date)
    return Bounds(start, stop, True, not is_date)


def _half_open(search_field: SearchField, low_text: str, high_text: str) -> Bounds:
    """``a..<b``: from ``a`` exactly up to, not including, ``b`` (histogram buckets)."""
    low = quantity(search_field, low_text)[0] if low_text.strip() else None
    if not high_text.strip():
        raise BadValue(f"{search_field.name}: “..<” needs an upper end")
    high = quantity(search_field, high_text)[0]
    if low is not None and low >= high:
        raise BadValue(f"{search_field.name}: the range is empty")
    return Bounds(low, high, True, False)


def _value_range(search_field: SearchField, text: str) -> tuple[float | dt.datetime, ...]:
    """(first, last) of a single value: a date period, or a quantity ± its precision."""
    if search_field.kind == "date":
        return date_period(text)
    value, half = quantity(search_field, text)
    return (value - half, value + half)


def exact_bound(search_field: SearchField, text: str, op: str) -> Bounds:
    """A comparison of a quantity with the value itself (``mag:>1M`` is above one million)."""
    value, _ = quantity(search_field, text)
    return {
        ">": Bounds(value, None, False, True),
        ">=": Bounds(value, None),
        "<": Bounds(None, value, True, False),
        "<=": Bounds(None, value),
    }[op]
