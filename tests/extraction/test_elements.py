"""The element database read from exspy's data (no HyperSpy import): X-ray lines for EDS,
major edges for EELS."""

from __future__ import annotations

from extraction.elements import edge_markers, spectrum_markers, xray_markers


def test_xray_lines_and_edges() -> None:
    assert xray_markers(["cu"]) == [
        {"label": "Cu L\u03b1", "energy_ev": 929.5},
        {"label": "Cu L\u03b21", "energy_ev": 949.4},
        {"label": "Cu K\u03b1", "energy_ev": 8047.8},
        {"label": "Cu K\u03b2", "energy_ev": 8905.3},
    ]
    assert edge_markers(["O"]) == [{"label": "O K", "energy_ev": 532.0}]
    assert spectrum_markers("EELS", ["O", "Xx"]) == [{"label": "O K", "energy_ev": 532.0}]
    assert spectrum_markers("EDS", []) == [] and spectrum_markers("SEM", ["Cu"]) == []
