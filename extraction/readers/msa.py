"""EMSA/MSA text spectra: keys keep their padding and unit suffix (``'BEAMKV   -kV'``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..schema import SignalMetadata
from ..signal import LightSignal
from ..units import beam_energy_ev, clean_str, to_float
from . import Vendor


def _key(om: dict[str, Any], name: str) -> Any:
    for key, value in om.items():
        if str(key).split("-")[0].strip().upper() == name:
            return value
    return None


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Operator, detector and the ambiguous MAGCAM from the EMSA keywords."""
    om = signal.original_metadata
    record.operator = record.operator or clean_str(_key(om, "OWNER"))
    record.detector = (
        record.detector or clean_str(_key(om, "EDSDET")) or clean_str(_key(om, "ELSDET"))
    )
    if record.beam_energy is None:
        record.beam_energy = beam_energy_ev(_key(om, "BEAMKV"), "kV")
    magcam = to_float(_key(om, "MAGCAM"))
    if magcam is not None:
        # EMSA's MAGCAM is either a magnification or a camera length; the file does not say
        record.extra["Magnification or camera length (MAGCAM)"] = magcam
    mode = clean_str(_key(om, "OPERMODE"))
    if mode:
        record.extra["Operating mode"] = mode


def label(path: Path, signal: LightSignal) -> str:
    """``msa/spectrum``."""
    return "msa/spectrum"


VENDOR = Vendor(name="msa", matches=lambda s: s.reader == "MSA", refine=refine, label=label)
