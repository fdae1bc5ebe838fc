"""Unit strings from instrument files, read by pint (``extraction/units.py``).

Every unit string of the sample files' axes (both manifests) and of the vendor trees met so
far has an expected reading here; a new sample with a new spelling fails
:func:`test_every_axis_unit_of_the_samples_is_known` until it is added.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from extraction import units
from extraction.normalize import infer_technique
from extraction.schema import SignalMetadata
from extraction.signal import Axis, LightSignal
from extraction.units import Dimension
from tests.extraction.extraction_samples import sample_dir

MRAD_IN_DEGREES = 180 / math.pi / 1000
#: unit string -> (dimension, stored units per one of it); (None, None) = not a unit we store
EXPECTED: dict[str, tuple[Dimension | None, float | None]] = {
    # axes of the sample files
    "": (None, None),
    "<undefined>": (None, None),  # HyperSpy's placeholder
    "[]": (None, None),  # EMD's dimensionless axis
    "px": (None, None),  # pint: a CSS pixel of 1/96 inch
    "points": (None, None),  # pint: a typographic point
    "\u00b5m": (Dimension.LENGTH, 1e-6),  # micro sign
    "\u03bcm": (Dimension.LENGTH, 1e-6),  # Greek mu
    "um": (Dimension.LENGTH, 1e-6),
    "micron": (Dimension.LENGTH, 1e-6),
    "nm": (Dimension.LENGTH, 1e-9),
    "pm": (Dimension.LENGTH, 1e-12),
    "m": (Dimension.LENGTH, 1.0),
    "meters": (Dimension.LENGTH, 1.0),  # TIA's .ser header
    "mm": (Dimension.LENGTH, 1e-3),
    "Mm": (Dimension.LENGTH, 1e6),
    "\u00c5": (Dimension.LENGTH, 1e-10),  # Latin capital A with ring
    "\u212b": (Dimension.LENGTH, 1e-10),  # the angstrom sign
    "angstrom": (Dimension.LENGTH, 1e-10),
    "1/nm": (Dimension.RECIPROCAL_LENGTH, 1e9),
    "1 / nm": (Dimension.RECIPROCAL_LENGTH, 1e9),  # RosettaSciIO's TIA reader
    "nm^-1": (Dimension.RECIPROCAL_LENGTH, 1e9),  # MRC
    "nm-1": (Dimension.RECIPROCAL_LENGTH, 1e9),
    "1/\u00c5": (Dimension.RECIPROCAL_LENGTH, 1e10),
    "eV": (Dimension.ENERGY, 1.0),
    "keV": (Dimension.ENERGY, 1e3),
    "meV": (Dimension.ENERGY, 1e-3),
    "MeV": (Dimension.ENERGY, 1e6),
    "Energy (EV)": (Dimension.ENERGY, 1.0),  # EDAX's EMSA XUNITS; pint reads EV as exavolt
    "s": (Dimension.TIME, 1.0),
    "ms": (Dimension.TIME, 1e-3),
    "\u00b5s": (Dimension.TIME, 1e-6),
    "ns": (Dimension.TIME, 1e-9),
    # units of values in HyperSpy's metadata and the vendor trees
    "nA": (Dimension.CURRENT, 1e-9),
    "mrad": (Dimension.ANGLE, MRAD_IN_DEGREES),
    "mR": (Dimension.ANGLE, MRAD_IN_DEGREES),  # EMSA; pint: millimolar gas constant
    "dg": (Dimension.ANGLE, 1.0),  # EMSA; pint: decigram
    "degree": (Dimension.ANGLE, 1.0),
    "\u00b0": (Dimension.ANGLE, 1.0),
    "rad": (Dimension.ANGLE, 180 / math.pi),
    "kV": (None, None),  # a voltage: see beam_energy_ev
    "Counts": (None, None),
    "Count": (None, None),
    "Intensity": (None, None),
    "count/second": (None, None),
    "e-": (None, None),  # pint's parser fails on it with an AssertionError
    "CameraImage": (None, None),
}


@pytest.mark.parametrize("text", list(EXPECTED))
def test_unit_strings_of_instrument_files(text: str) -> None:
    dimension, factor = EXPECTED[text]
    assert units.dimension_of(text) is dimension
    if dimension is not None:
        assert factor is not None
        assert units.to_si(2.0, text, dimension) == pytest.approx(2.0 * factor, rel=1e-12)
        for other in Dimension:
            if other is not dimension:
                assert units.to_si(2.0, text, other) is None


def _axis_units(manifest: Path) -> set[str]:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {a["units"] for f in data["files"] for s in f.get("signals", []) for a in s["axes"]}


def test_every_axis_unit_of_the_samples_is_known() -> None:
    found = _axis_units(sample_dir() / "manifest.json")
    extra = sample_dir().parent / "microscopy-extra" / "manifest.json"
    if extra.is_file():
        found |= _axis_units(extra)
    assert found - set(EXPECTED) == set()


def test_prefixes_are_case_sensitive() -> None:
    assert units.factor("meV", "eV") == 1e-3 and units.factor("MeV", "eV") == 1e6
    assert units.factor("mm", "m") == 1e-3 and units.factor("Mm", "m") == 1e6
    assert units.factor("MV", "V") == 1e6 and units.factor("mV", "V") == 1e-3


def test_a_bare_a_beside_lengths_is_an_angstrom() -> None:
    assert units.is_length("A") and units.is_reciprocal_length("1/A")
    assert units.to_si(2.5, "A", Dimension.LENGTH) == pytest.approx(2.5e-10)
    assert units.to_si(2.5, "A", Dimension.CURRENT) == 2.5


def test_length_and_reciprocal_predicates() -> None:
    assert units.is_length("nm") and not units.is_length("1/nm") and not units.is_length("px")
    assert units.is_reciprocal_length("1 / nm") and not units.is_reciprocal_length("nm")
    assert units.is_energy("keV") and not units.is_energy("kV") and not units.is_energy("K")
    assert units.length_factor("\u00b5m") == 1e-6 and units.length_factor("eV") is None


def test_beam_energy_from_voltages_and_energies() -> None:
    assert units.beam_energy_ev(200, "kV") == 200e3
    assert units.beam_energy_ev(300000, "V") == 300e3
    assert units.beam_energy_ev(200, "keV") == 200e3
    assert units.beam_energy_ev(200, "nm") is None
    assert units.beam_energy_ev("n/a", "kV") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("50.00 K X", 50_000.0),  # Zeiss SmartSEM
        ("50.00 KX", 50_000.0),
        ("215 kX", 215_000.0),
        ("215 kx", 215_000.0),
        ("22500 X", 22_500.0),
        ("1.2 MX", 1.2e6),
        ("225000", 225_000.0),
        (225000, 225_000.0),
        ("high", None),
        (None, None),
    ],
)
def test_magnification_strings(text: object, value: float | None) -> None:
    assert units.parse_magnification(text) == value


def test_conversions_are_memoized_and_the_registry_is_shared() -> None:
    assert units.registry() is units.registry()
    units.factor("nm", "m")
    hits = units._factor.cache_info().hits
    units.factor("nm", "m")
    assert units._factor.cache_info().hits == hits + 1


def _spectrum(scale: float, unit: str) -> LightSignal:
    axis = Axis("Energy", 1024, scale, 0.0, unit, False)
    return LightSignal(0, np.zeros(1024), [axis], {}, {}, "test")


@pytest.mark.parametrize(
    ("scale", "unit", "technique"),
    [
        (5.0, "meV", "EELS"),  # a monochromated EELS spectrum, not EDS at 5 keV per channel
        (5.0, "eV", "EDS"),
        (0.01, "keV", "EDS"),
        (0.25, "eV", "EELS"),
        (0.001, "MeV", "EDS"),
    ],
)
def test_spectra_told_apart_by_dispersion(scale: float, unit: str, technique: str) -> None:
    record = SignalMetadata(kind="spectrum")
    infer_technique(_spectrum(scale, unit), record)
    assert record.technique == technique
