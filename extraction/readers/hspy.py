"""HyperSpy's own HDF5 (``.hspy``) and Zarr (``.zspy``) files: ``metadata`` is all there is.

The generic normalizer reads it; this module only records where the data came from.
"""

from __future__ import annotations

from pathlib import Path

from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import clean_str
from . import Vendor


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Keep the original file name HyperSpy stored (the file this one was made from)."""
    source = clean_str(get_path(signal.metadata, "General.original_filename"))
    if source:
        record.extra["Original file name"] = source


def label(path: Path, signal: LightSignal) -> str:
    """``hspy/hdf5`` or ``hspy/zarr``."""
    return "hspy/zarr" if signal.reader == "ZSPY" else "hspy/hdf5"


VENDOR = Vendor(
    name="hspy", matches=lambda s: s.reader in ("HSPY", "ZSPY"), refine=refine, label=label
)
