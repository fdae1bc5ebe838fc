"""Vendor modules behind a small registry.

Each module refines the generic record (``extraction.normalize.generic``) where HyperSpy's
metadata is missing or wrong for its format, reading the vendor's own tree. A signal whose
reader no module claims keeps the generic record, so any RosettaSciIO format still works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..schema import SignalMetadata
from ..signal import LightSignal

__all__ = ["VENDORS", "Vendor", "find_vendor", "format_label"]


@dataclass(frozen=True)
class Vendor:
    """How one format family is recognised, labelled and normalized."""

    name: str
    matches: Callable[[LightSignal], bool]
    refine: Callable[[LightSignal, SignalMetadata], None]
    label: Callable[[Path, LightSignal], str]


def _registry() -> list[Vendor]:
    from . import digitalmicrograph, emd, fei_tiff, hspy, msa, tia, tiff, velox

    return [
        digitalmicrograph.VENDOR,
        tia.VENDOR,
        velox.VENDOR,
        emd.VENDOR,
        fei_tiff.VENDOR,
        tiff.VENDOR,
        msa.VENDOR,
        hspy.VENDOR,
    ]


VENDORS: list[Vendor] = _registry()


def find_vendor(signal: LightSignal) -> Vendor | None:
    """The first registered vendor module that claims ``signal``."""
    for vendor in VENDORS:
        if vendor.matches(signal):
            return vendor
    return None


def format_label(path: Path, signal: LightSignal | None, reader: str | None) -> str:
    """``<family>/<variant>`` for a file, from its first signal's vendor module."""
    if signal is not None:
        vendor = find_vendor(signal)
        if vendor is not None:
            return vendor.label(path, signal)
    ext = path.suffix[1:].lower() or "none"
    return f"{(reader or 'unknown').lower()}/{ext}"
