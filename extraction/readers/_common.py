"""Helpers shared by the vendor modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..signal import LightSignal, subdict
from ..units import Dimension, clean_str, first_str, to_si

__all__ = ["first_str", "maker_from_names", "reader_label", "setting", "subdict"]

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


def reader_label(path: Path, signal: LightSignal) -> str:
    """``<reader>/<extension>`` (``bruker/bcf``, ``jeol/pts``): the label of a format whose
    reader names its family."""
    return f"{signal.reader.lower()}/{path.suffix[1:].lower() or 'none'}"


def setting(node: Any, key: str, dimension: Dimension) -> float | None:
    """A vendor value written as ``[value, unit]`` (Delmic), ``{"value", "unit"}`` (Phenom) or
    ``(label, value, unit)`` (Zeiss), in the stored unit of ``dimension``."""
    value = node.get(key) if isinstance(node, dict) else None
    if isinstance(value, dict):
        return to_si(value.get("value"), value.get("unit"), dimension)
    if isinstance(value, list | tuple):
        if len(value) == 3 and isinstance(value[0], str):  # Zeiss: (label, value, unit)
            value = value[1:]
        if len(value) == 2 and isinstance(value[1], str):
            return to_si(value[0], value[1], dimension)
    return None
