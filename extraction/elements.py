"""Where an element shows in a spectrum: its X-ray lines (EDS) and its ionization edges (EELS),
from the database exspy ships (X-ray energies from Chantler 2005, edges from Gatan's EELS
atlas). The database module is read as data, without importing exspy or HyperSpy (which
takes seconds): pages that mark a spectrum pay a few milliseconds, once per process."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "MAIN_XRAY_LINES",
    "edge_markers",
    "element_database",
    "spectrum_markers",
    "xray_markers",
]

#: the lines marked on an EDS spectrum, when the element has them
MAIN_XRAY_LINES = ("Ka", "Kb", "La", "Lb1", "Ma")
#: how the lines are written (K-alpha, K-beta…)
_GREEK = {
    "Ka": "K\u03b1",
    "Kb": "K\u03b2",
    "La": "L\u03b1",
    "Lb1": "L\u03b21",
    "Ma": "M\u03b1",
}


@lru_cache(maxsize=1)
def element_database() -> dict[str, Any]:
    """exspy's ``elements`` dictionary (symbol → properties); empty when exspy is missing."""
    spec = importlib.util.find_spec("exspy")
    if spec is None or spec.origin is None:
        return {}
    source = Path(spec.origin).parent / "_misc" / "elements.py"
    if not source.is_file():
        return {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "elements":
            return dict(ast.literal_eval(node.value))
    return {}


def _known(elements: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    database = element_database()
    found = []
    for symbol in elements:
        symbol = str(symbol).strip().capitalize()
        if symbol in database:
            found.append((symbol, database[symbol].get("Atomic_properties", {})))
    return found


def xray_markers(elements: Iterable[str]) -> list[dict[str, Any]]:
    """The main X-ray lines of ``elements`` as ``{label, energy_ev}`` (``Cu K-alpha`` at 8047.8
    eV), by energy."""
    markers = []
    for symbol, properties in _known(elements):
        lines = properties.get("Xray_lines", {})
        for line in MAIN_XRAY_LINES:
            if line in lines:
                energy = float(lines[line]["energy (keV)"]) * 1000
                markers.append({"label": f"{symbol} {_GREEK[line]}", "energy_ev": round(energy, 1)})
    return sorted(markers, key=lambda m: m["energy_ev"])


def edge_markers(elements: Iterable[str]) -> list[dict[str, Any]]:
    """The major ionization edges of ``elements`` as ``{label, energy_ev}`` (``O K`` at 532
    eV), by energy."""
    markers = []
    for symbol, properties in _known(elements):
        for edge, facts in properties.get("Binding_energies", {}).items():
            if facts.get("relevance") == "Major" and facts.get("onset_energy (eV)"):
                energy = float(facts["onset_energy (eV)"])
                markers.append({"label": f"{symbol} {edge}", "energy_ev": energy})
    return sorted(markers, key=lambda m: m["energy_ev"])


def spectrum_markers(technique: str | None, elements: Iterable[str]) -> list[dict[str, Any]]:
    """What to mark on a spectrum of ``technique`` that names ``elements``: X-ray lines for
    EDS (and WDS), edges for EELS; nothing for other techniques or no elements."""
    technique = (technique or "").upper()
    if technique in {"EDS", "EDX", "WDS"}:
        return xray_markers(elements)
    if technique == "EELS":
        return edge_markers(elements)
    return []
