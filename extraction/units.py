"""Units found in instrument files, read and converted by pint.

One process-wide :class:`pint.UnitRegistry` is created on first use (:func:`registry`), from
pint's disk cache (``cache_folder=":auto:"``), which makes it about 0.06 s instead of 0.45 s;
pint itself is imported then too (0.3-0.7 s, most of it dask and scipy, which the readers
usually have loaded already).
Unit strings are read as pint reads them, prefixes case-sensitive (``meV`` is a thousandth of an
electronvolt, ``MeV`` a million; ``mm`` ≠ ``Mm``), after a few vendor spellings are mapped
(:data:`SPELLINGS`): pint does not read ``nm-1``, and reads EMSA's ``mR`` (milliradian) as a
millimolar gas constant, ``dg`` (degree) as a decigram, EDAX's ``EV`` as an exavolt and ``px``
or ``points`` as typographic lengths. In a length context a bare ``A`` is an ångström, not an
ampere. Parsed units and conversion factors are memoized by unit string.

Stored values use one unit per :class:`Dimension` (:data:`SI_UNITS`): m, 1/m, eV, s, A, degree.
"""

from __future__ import annotations

import enum
import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pint
    from pint.facets.plain import PlainUnit

log = logging.getLogger(__name__)


class Dimension(enum.Enum):
    """What a quantity measures; its value is the unit values of that dimension are stored in."""

    LENGTH = "m"
    RECIPROCAL_LENGTH = "1/m"
    ENERGY = "eV"
    TIME = "s"
    CURRENT = "A"
    ANGLE = "degree"


#: the unit values of each dimension are stored in (SI, or accepted with SI: eV, degree)
SI_UNITS = {dimension: dimension.value for dimension in Dimension}

#: vendor spellings pint misreads or does not read -> pint's spelling ("" = not a unit)
SPELLINGS = {
    "<undefined>": "",  # HyperSpy's placeholder for an axis without units
    "[]": "",  # EMD writers for a dimensionless axis
    "px": "",
    "pixel": "",
    "pixels": "",
    "point": "",
    "points": "",
    "mR": "mrad",  # EMSA's convergence and collection angles
    "dg": "degree",  # EMSA's detector elevation and azimuth
    "EV": "eV",  # EDAX
    "KEV": "keV",
    "KV": "kV",
}
#: a bare "A" beside lengths is an ångström: nobody calibrates pixels in amperes
LENGTH_SPELLINGS = {
    "A": "angstrom",
    "1/A": "1/angstrom",
    "1 / A": "1/angstrom",
    "A^-1": "1/angstrom",
}
#: ``nm-1``: the exponent without a caret
_BARE_EXPONENT = re.compile(r"^(?P<unit>[^\s\d/^*-]+)\s*-1$")
#: ``Energy (EV)``: a quantity name with its unit in parentheses
_NAMED = re.compile(r"^[A-Za-z][\w ]*\((?P<unit>[^()]+)\)$")
#: magnifications: ``22500 X``, ``50.00 K X``, ``215 kx``, ``1.2 MX``
_MAGNIFICATION = re.compile(
    r"^\s*(?P<number>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*(?P<prefix>[kKM]?)\s*[xX\u00d7]?\s*$"
)
_MAGNIFICATION_PREFIXES = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The process-wide unit registry, created on first use."""
    # imported here: pint brings dask and scipy and takes 0.3-0.7 s to import, which a process
    # that only imports extraction (the web app, a worker's parent) need not pay
    import pint

    try:
        return pint.UnitRegistry(cache_folder=":auto:")
    except Exception as exc:  # the disk cache is only a speed-up: an unwritable home, or a
        # cache file another process is still writing, costs the parse of the definitions
        log.info("pint's disk cache is unusable (%s); reading the unit definitions", exc)
        return pint.UnitRegistry()


def spelling(text: Any, dimension: Dimension | None = None) -> str | None:
    """Pint's spelling of a unit string from a file; ``""`` for a dimensionless axis or a
    placeholder, ``None`` when ``text`` is no string. ``dimension`` settles ambiguous spellings."""
    if not isinstance(text, str):
        return None
    unit = text.strip()
    named = _NAMED.match(unit)
    if named:
        unit = named.group("unit").strip()
    if dimension in (Dimension.LENGTH, Dimension.RECIPROCAL_LENGTH) and unit in LENGTH_SPELLINGS:
        return LENGTH_SPELLINGS[unit]
    unit = SPELLINGS.get(unit, unit)
    bare = _BARE_EXPONENT.match(unit)
    if bare:
        unit = f"1/{SPELLINGS.get(bare.group('unit'), bare.group('unit'))}"
    return unit


@lru_cache(maxsize=512)
def _parse(text: str) -> PlainUnit | None:
    try:
        return registry().parse_units(text)
    except Exception:  # pint's parser raises more than UndefinedUnitError on junk ("e-")
        return None


def parse_unit(text: Any, dimension: Dimension | None = None) -> PlainUnit | None:
    """The pint unit a file's unit string means; ``None`` for empty, placeholder or unknown
    strings (``'<undefined>'``, ``'[]'``, ``'Counts'``)."""
    unit = spelling(text, dimension)
    if not unit:
        return None
    return _parse(unit)


@lru_cache(maxsize=64)
def _base(unit: PlainUnit) -> PlainUnit:
    return registry().get_base_units(unit)[1]


@lru_cache(maxsize=512)
def _dimension(text: str, context: Dimension | None) -> Dimension | None:
    unit = parse_unit(text, context)
    if unit is None:
        return None
    base = _base(unit)
    for dimension in Dimension:
        if base == _base(_si(dimension)):
            return dimension
    return None


def _si(dimension: Dimension) -> PlainUnit:
    unit = _parse(dimension.value)
    assert unit is not None
    return unit


def dimension_of(text: Any, context: Dimension | None = None) -> Dimension | None:
    """The :class:`Dimension` a unit string measures, or ``None`` (unknown, or another one).

    Angles are told from counts by their base unit (radian), although pint holds both
    dimensionless.
    """
    if not isinstance(text, str):
        return None
    return _dimension(text, context)


def is_length(text: Any) -> bool:
    """True for a real-space length unit (``'nm'``, ``'µm'``, ``'Å'``, ``'A'``, ``'meters'``)."""
    return dimension_of(text, Dimension.LENGTH) is Dimension.LENGTH


def length_factor(text: Any) -> float | None:
    """Metres per unit of a length unit string (``'nm'`` gives 1e-9), else ``None``."""
    if not is_length(text):
        return None
    return factor(text, "m", Dimension.LENGTH)


def is_reciprocal_length(text: Any) -> bool:
    """True for a reciprocal-space unit (``'1/nm'``, ``'1 / nm'``, ``'nm^-1'``, ``'nm-1'``)."""
    return dimension_of(text, Dimension.RECIPROCAL_LENGTH) is Dimension.RECIPROCAL_LENGTH


def is_energy(text: Any) -> bool:
    """True for an energy unit (``'eV'``, ``'keV'``, ``'meV'``)."""
    return dimension_of(text, Dimension.ENERGY) is Dimension.ENERGY


@lru_cache(maxsize=1024)
def _factor(source: str, target: str, context: Dimension | None) -> float | None:
    from_unit, to_unit = parse_unit(source, context), parse_unit(target, context)
    if from_unit is None or to_unit is None:
        return None
    if from_unit.dimensionality != to_unit.dimensionality:
        return None
    factor = float(registry().Quantity(1.0, from_unit).to(to_unit).magnitude)
    # pint divides floats: 1/nm -> 1/m gives 999999999.9999999; 15 significant digits give
    # back the decimal factor a prefix means and change no other factor beyond float noise
    return float(f"{factor:.15g}")


def factor(source: Any, target: str, context: Dimension | None = None) -> float | None:
    """How many ``target`` one ``source`` is (``factor('nm', 'm') == 1e-9``), or ``None`` when
    a unit is unknown or the two measure different things."""
    if not isinstance(source, str):
        return None
    return _factor(source, target, context)


def convert(value: Any, source: Any, target: str) -> float | None:
    """``value`` in ``source`` units expressed in ``target`` units (``None`` if impossible)."""
    number = to_float(value)
    ratio = factor(source, target)
    return number * ratio if number is not None and ratio is not None else None


def to_si(value: Any, unit: Any, dimension: Dimension) -> float | None:
    """``value`` given in ``unit`` converted to the stored unit of ``dimension``; ``None`` when
    the value is not a number or ``unit`` does not measure ``dimension``."""
    number = to_float(value)
    if number is None or dimension_of(unit, dimension) is not dimension:
        return None
    ratio = factor(unit, dimension.value, dimension)
    return number * ratio if ratio is not None else None


def beam_energy_ev(value: Any, unit: Any) -> float | None:
    """Electron energy in eV from an accelerating voltage (``'kV'``: 1 V gives 1 eV) or an
    energy (``'keV'``); ``None`` for other units."""
    number = to_float(value)
    if number is None or not isinstance(unit, str):
        return None
    if is_energy(unit):
        return to_si(number, unit, Dimension.ENERGY)
    volts = factor(unit, "V")
    return number * volts if volts is not None else None


def parse_magnification(value: Any) -> float | None:
    """A magnification from a number or a vendor string (``'22500 X'``, ``'50.00 K X'``,
    ``'215 kx'``, ``'1.2 MX'``); ``None`` when it is not one."""
    if isinstance(value, str):
        match = _MAGNIFICATION.match(value)
        if not match:
            return None
        number = to_float(match.group("number"))
        scale = _MAGNIFICATION_PREFIXES[match.group("prefix")]
        return number * scale if number is not None else None
    return to_float(value)


def to_float(value: Any) -> float | None:
    """Parse a number from numbers, numpy scalars or strings such as ``'0.100000'``, ``'22500 X'``
    or ``'200kV'``; ``None`` for empty, non-numeric or non-finite values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (list, tuple)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        if isinstance(value, bytes):
            value = value.decode("latin-1", "replace")
        if not isinstance(value, str):
            return None
        match = re.match(r"^\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)", value)
        if not match:
            return None
        number = float(match.group(1))
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def clean_str(value: Any) -> str | None:
    """A stripped non-empty string, or ``None`` for empty values (``''``, ``[]``, ``b''``)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace").rstrip("\x00")
    if isinstance(value, (list, tuple, dict)):
        return None
    text = str(value).strip().strip("\u2028").strip()
    return text or None


def first_str(*values: Any) -> str | None:
    """First non-empty string among ``values`` (cleaned as :func:`clean_str` does)."""
    for value in values:
        text = clean_str(value)
        if text:
            return text
    return None
