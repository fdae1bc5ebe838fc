"""Unit parsing and SI conversion for lengths, energies and times found in instrument files."""

from __future__ import annotations

import re
from typing import Any

_LENGTH_TO_M = {
    "m": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "metre": 1.0,
    "cm": 1e-2,
    "mm": 1e-3,
    "um": 1e-6,
    "µm": 1e-6,
    "μm": 1e-6,
    "micron": 1e-6,
    "microns": 1e-6,
    "micrometer": 1e-6,
    "nm": 1e-9,
    "nanometer": 1e-9,
    "a": 1e-10,
    "å": 1e-10,
    "Å": 1e-10,
    "angstrom": 1e-10,
    "pm": 1e-12,
}
_TIME_TO_S = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9}
_ENERGY_TO_EV = {"ev": 1.0, "kev": 1e3, "mev": 1e6}
_RECIPROCAL = re.compile(r"^\s*(1\s*/\s*(?P<a>\S+)|(?P<b>[^\s^]+)\s*\^?\s*-1)\s*$")


def _key(unit: str) -> str:
    u = unit.strip()
    return u if u in ("Å",) else u.lower().replace("μ", "µ")


def length_factor(unit: Any) -> float | None:
    """Metres per ``unit`` for a length unit (``'nm'``, ``'µm'``, ``'Å'``…), else ``None``."""
    if not isinstance(unit, str) or not unit.strip():
        return None
    return _LENGTH_TO_M.get(_key(unit)) or _LENGTH_TO_M.get(unit.strip())


def reciprocal_length_factor(unit: Any) -> float | None:
    """Per-metre factor for a reciprocal length unit (``'1/nm'``, ``'1 / nm'``, ``'nm^-1'``)."""
    if not isinstance(unit, str):
        return None
    match = _RECIPROCAL.match(unit.replace("[", "").replace("]", ""))
    if not match:
        return None
    inner = match.group("a") or match.group("b")
    factor = length_factor(inner)
    return 1.0 / factor if factor else None


def is_length(unit: Any) -> bool:
    """True for a real-space length unit."""
    return length_factor(unit) is not None


def is_reciprocal(unit: Any) -> bool:
    """True for a reciprocal-space unit (diffraction / FFT calibration)."""
    return reciprocal_length_factor(unit) is not None


def energy_factor_ev(unit: Any) -> float | None:
    """Electronvolts per ``unit`` (``'eV'``, ``'keV'``), else ``None``."""
    if not isinstance(unit, str):
        return None
    return _ENERGY_TO_EV.get(unit.strip().lower())


def time_factor_s(unit: Any) -> float | None:
    """Seconds per ``unit`` (``'s'``, ``'ms'``, ``'µs'``…), else ``None``."""
    if not isinstance(unit, str):
        return None
    return _TIME_TO_S.get(unit.strip().lower().replace("μ", "µ"))


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
