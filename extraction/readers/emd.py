"""NCEM / Berkeley EMD (and other non-Velox EMD files such as Prismatic simulations).

Empty strings mean unknown; there are no dates (METADATA-MAP.md §4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..signal import LightSignal, get_path
from ..units import clean_str, to_float
from . import Vendor
from .velox import is_velox


def refine(signal: LightSignal, record: dict[str, Any]) -> None:
    """Microscope, voltage, user and sample from the NCEM groups when they are filled."""
    om = signal.original_metadata
    record["microscope"] = record["microscope"] or clean_str(get_path(om, "microscope.name"))
    record["operator"] = record["operator"] or clean_str(get_path(om, "user.name"))
    record["specimen"] = record["specimen"] or clean_str(get_path(om, "sample.material"))
    if record["beam_energy_keV"] is None:
        voltage = to_float(get_path(om, "microscope.voltage"))
        if voltage is not None:
            record["beam_energy_keV"] = voltage / 1000 if voltage > 5000 else voltage
    simulation = get_path(om, "simulation_parameters")
    if isinstance(simulation, dict) and simulation:
        record["extra"]["simulation"] = True
        record["vendor"] = record["vendor"] or "Prismatic (simulation)"
        if record["beam_energy_keV"] is None:
            record["beam_energy_keV"] = to_float(simulation.get("E0"))
    version = get_path(om, "EMD_version")
    if version is not None:
        record["extra"]["emd_version"] = str(version)


def label(path: Path, signal: LightSignal) -> str:
    """``emd/ncem``."""
    return "emd/ncem"


VENDOR = Vendor(
    name="emd",
    matches=lambda s: s.reader == "EMD" and not is_velox(s),
    refine=refine,
    label=label,
)
