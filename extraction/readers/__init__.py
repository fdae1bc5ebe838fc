"""Vendor modules behind a small registry.

Each module refines the generic record (``extraction.normalize.generic``) where HyperSpy's
metadata is missing or wrong for its format, reading the vendor's own tree. A signal whose
reader no module claims keeps the generic record, so any RosettaSciIO format still works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..schema import SignalMetadata
from ..signal import LightSignal

__all__ = [
    "VENDORS",
    "Signals",
    "Vendor",
    "find_vendor",
    "format_label",
    "prepare_reader",
    "settle_file",
]


#: ``(signal, its record)`` of every signal of one file
Signals = list[tuple[LightSignal, SignalMetadata]]


@dataclass(frozen=True)
class Vendor:
    """How one format family is recognised, labelled and normalized; ``settle`` (optional)
    completes the records of one file from each other once all are refined (a survey image
    takes the time of the spectrum image it was acquired with)."""

    name: str
    matches: Callable[[LightSignal], bool]
    refine: Callable[[LightSignal, SignalMetadata], None]
    label: Callable[[Path, LightSignal], str]
    settle: Callable[[Signals], None] | None = None


def _registry() -> list[Vendor]:
    from . import (
        bruker,
        delmic,
        digitalmicrograph,
        direct_electron,
        emd,
        fei_tiff,
        hamamatsu,
        hspy,
        jeol,
        msa,
        phenom,
        tia,
        tiff,
        velox,
        zeiss_tiff,
    )

    return [
        digitalmicrograph.VENDOR,
        tia.VENDOR,
        velox.VENDOR,
        emd.VENDOR,
        fei_tiff.VENDOR,
        zeiss_tiff.VENDOR,
        tiff.VENDOR,
        msa.VENDOR,
        hspy.VENDOR,
        bruker.VENDOR,
        jeol.VENDOR,
        direct_electron.VENDOR,
        delmic.VENDOR,
        hamamatsu.VENDOR,
        phenom.VENDOR,
    ]


VENDORS: list[Vendor] = _registry()


def find_vendor(signal: LightSignal) -> Vendor | None:
    """The first registered vendor module that claims ``signal``."""
    for vendor in VENDORS:
        if vendor.matches(signal):
            return vendor
    return None


def prepare_reader(reader: str, module: ModuleType) -> None:
    """Put this package's faster equivalents into a RosettaSciIO reader module when it is
    loaded (JEOL event streams: :mod:`extraction.readers.jeol_events`, and the sparse
    arrays they are read into: :mod:`extraction.readers._compiled`)."""
    if reader == "JEOL":
        from ._compiled import cache_sparse_kernels
        from .jeol_events import install

        install(module)
        cache_sparse_kernels()


def settle_file(signals: Signals) -> None:
    """Let each vendor module complete the records of one file from each other."""
    for vendor in VENDORS:
        if vendor.settle is None:
            continue
        own = [(signal, record) for signal, record in signals if vendor.matches(signal)]
        if own:
            vendor.settle(own)


def format_label(path: Path, signal: LightSignal | None, reader: str | None) -> str:
    """``<family>/<variant>`` for a file, from its first signal's vendor module."""
    if signal is not None:
        vendor = find_vendor(signal)
        if vendor is not None:
            return vendor.label(path, signal)
    ext = path.suffix[1:].lower() or "none"
    return f"{(reader or 'unknown').lower()}/{ext}"
