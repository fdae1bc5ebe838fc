"""NCEM / Berkeley EMD (and other non-Velox EMD files such as Prismatic simulations).

Empty strings mean unknown; there are no dates (METADATA-MAP.md §4).
"""

from __future__ import annotations

from pathlib import Path

from ..schema import SignalMetadata
from ..signal import LightSignal, get_path
from ..units import beam_energy_ev, clean_str, to_float
from . import Vendor
from .velox import is_velox


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Microscope, voltage, user and sample from the NCEM groups when they are filled."""
    om = signal.original_metadata
    record.microscope = record.microscope or clean_str(get_path(om, "microscope.name"))
    record.operator = record.operator or clean_str(get_path(om, "user.name"))
    record.specimen = record.specimen or clean_str(get_path(om, "sample.material"))
    if record.beam_energy is None:
        voltage = to_float(get_path(om, "microscope.voltage"))
        if voltage is not None:
            # the groups say neither V nor kV; no microscope runs at 5 kV or less with NCEM EMD
            record.beam_energy = beam_energy_ev(voltage, "V" if voltage > 5000 else "kV")
    simulation = get_path(om, "simulation_parameters")
    if isinstance(simulation, dict) and simulation:
        record.extra["Simulated"] = True
        record.vendor = record.vendor or "Prismatic (simulation)"
        if record.beam_energy is None:
            record.beam_energy = beam_energy_ev(simulation.get("E0"), "kV")
    version = get_path(om, "EMD_version")
    if version is not None:
        record.extra["EMD version"] = str(version)


def label(path: Path, signal: LightSignal) -> str:
    """``emd/ncem``."""
    return "emd/ncem"


VENDOR = Vendor(
    name="emd",
    matches=lambda s: s.reader == "EMD" and not is_velox(s),
    refine=refine,
    label=label,
)
