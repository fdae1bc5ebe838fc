"""EMSA/MSA spectra (``extraction/readers/msa.py``): kV, EMSA's ``mR`` angles, the ambiguous
MAGCAM."""

from __future__ import annotations

from typing import Any

import pytest

from tests.extraction.golden import check_record


def test_eels_spectrum(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["msa/example1.msa"],
        {
            "format": "msa/spectrum",
            "acquired_at": "1991-10-01T12:00:00",
            "technique": "EELS",
            "kind": "spectrum",
            "beam_energy": 120e3,  # BEAMKV 120
            "beam_current": 12.345e-9,  # 12.345 nA
            "dwell_time": 0.1,  # DWELLTIME 100 ms
            "operator": "EMSA/MAS TASK FORCE",
            "extra": {
                "Magnification or camera length (MAGCAM)": 100.0,
                "Operating mode": "IMAG",
            },
        },
    )


def test_angles_in_emsa_milliradians(extracted: dict[str, Any]) -> None:
    md = extracted["msa/example1.msa"].signals[0].metadata
    # CONVANGLE 1.5 mR, COLLANGLE 3.4 mR: milliradians, which pint alone reads as
    # millimolar gas constants
    assert md.convergence_angle == pytest.approx(1.5e-3 * 180 / 3.141592653589793)
    assert md.collection_angle == pytest.approx(3.4e-3 * 180 / 3.141592653589793)


def test_eds_spectrum_live_and_real_time(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["msa/example2.msa"],
        {"technique": "EDS", "live_time": 100.0, "exposure_time": 100.0, "real_time": 150.0},
    )
