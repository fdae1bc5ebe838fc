"""NCEM / Berkeley EMD and Prismatic simulations (``extraction/readers/emd.py``)."""

from __future__ import annotations

from typing import Any

from tests.extraction.golden import check_record


def test_prismatic_simulation(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["emd/Si100_4D.emd"],
        {
            "format": "emd/ncem",
            "kind": "4d_stem",
            "technique": "STEM",
            "imaging_mode": "diffraction",
            "vendor": "Prismatic (simulation)",
            "beam_energy": 100e3,  # simulation_parameters.E0 is in kV
            "pixel_size": 0.5e-9,  # the probe step
            "extra": {"Simulated": True},
        },
    )


def test_empty_groups_mean_unknown(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["emd/example_image.emd"],
        {
            "format": "emd/ncem",
            "microscope": None,
            "operator": None,
            "beam_energy": None,
            "acquired_at": None,
            "extra": {"EMD version": "0.2"},
        },
    )
