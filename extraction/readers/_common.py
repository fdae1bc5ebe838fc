"""Helpers shared by the vendor modules."""

from __future__ import annotations

from typing import Any

from ..signal import subdict
from ..units import clean_str

__all__ = ["first_str", "maker_from_names", "subdict"]

_MAKERS = (
    ("thermo", "Thermo Fisher Scientific"),
    ("fei", "FEI"),
    ("titan", "FEI"),
    ("tecnai", "FEI"),
    ("talos", "FEI"),
    ("helios", "FEI"),
    ("jeol", "JEOL"),
    ("jem", "JEOL"),
    ("hitachi", "Hitachi"),
    ("zeiss", "Zeiss"),
    ("nion", "Nion"),
    ("tescan", "TESCAN"),
    ("philips", "Philips"),
)


def maker_from_names(*names: Any) -> str | None:
    """Microscope manufacturer guessed from model or instrument names (``'FEI Titan'``)."""
    for name in names:
        text = clean_str(name)
        if not text:
            continue
        low = text.lower()
        for needle, maker in _MAKERS:
            if needle in low:
                return maker
    return None


def first_str(*values: Any) -> str | None:
    """First non-empty string among ``values``."""
    for value in values:
        text = clean_str(value)
        if text:
            return text
    return None
