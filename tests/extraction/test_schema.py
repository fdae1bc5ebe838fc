"""The normalized metadata schema (``extraction/schema.py``) and how its values are shown
(``extraction/display.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

import pytest

from extraction import units
from extraction.display import format_number, format_quantity, format_value
from extraction.schema import (
    FILE_FIELDS,
    IMAGING_MODES,
    KINDS,
    SIGNAL_FIELDS,
    TECHNIQUES,
    FieldKind,
    FieldSpec,
    FileSummary,
    SignalMetadata,
    field_spec,
)

NNBSP, NBSP = "\u202f", "\u00a0"
#: what a stored value may be in: SI or accepted with it
STORED_UNITS = {"m", "1/m", "s", "eV", "A", "degree", "dimensionless", "B"}
#: a key ending like ``_keV``, ``_mm``, ``_s``, ``_m``, ``_deg``, ``_nA``: a unit in its name
UNIT_IN_KEY = re.compile(r"_(k?eV|[munp]?m|[munp]?s|deg|rad|[munp]?A|V|kV|um|nm)$")


@pytest.mark.parametrize("spec", FILE_FIELDS, ids=[s.key for s in FILE_FIELDS])
def test_every_field_describes_itself(spec: FieldSpec) -> None:
    assert spec.key and spec.label and spec.label[0].isupper()
    assert isinstance(spec.kind, FieldKind)
    assert not UNIT_IN_KEY.search(spec.key), spec.key
    if spec.kind is FieldKind.QUANTITY or (spec.kind is FieldKind.MAPPING and spec.unit):
        # a mapping with a unit holds quantities by name (apertures)
        assert spec.unit in STORED_UNITS
        assert spec.display_units
        for unit in spec.display_units:
            shown = "dimensionless" if unit == "\u00d7" else unit
            assert units.factor(spec.unit, shown) is not None, unit
    else:
        assert spec.unit == "" and spec.display_units == ()
    if spec.kind is FieldKind.ENUM:
        assert spec.choices
    schema = spec.json_schema()
    assert schema["title"] == spec.label and schema["description"]


def test_field_tuples() -> None:
    signal_keys = [s.key for s in SIGNAL_FIELDS]
    file_keys = [s.key for s in FILE_FIELDS]
    assert len(set(file_keys)) == len(file_keys)
    assert file_keys[: len(signal_keys)] == signal_keys
    assert signal_keys == [f.name for f in dataclasses.fields(SignalMetadata)]
    assert [value for value, _ in field_spec("technique").choices] == list(TECHNIQUES)
    assert [value for value, _ in field_spec("kind").choices] == list(KINDS)
    assert [value for value, _ in field_spec("imaging_mode").choices] == list(IMAGING_MODES)
    assert field_spec("kind").choice_label("4d_stem") == "4D-STEM"
    assert field_spec("signal_count").label == "Signals in file"
    facets = {s.key for s in FILE_FIELDS if s.facet}
    assert {"technique", "kind", "microscope", "detector", "beam_energy", "format"} <= facets
    with pytest.raises(KeyError):
        field_spec("beam_energy_keV")


def test_quantities_are_stored_in_si_units() -> None:
    expected = {
        "beam_energy": "eV",
        "camera_length": "m",
        "pixel_size": "m",
        "reciprocal_pixel_size": "1/m",
        "exposure_time": "s",
        "dwell_time": "s",
        "beam_current": "A",
        "working_distance": "m",
        "stage_x": "m",
        "stage_alpha": "degree",
    }
    assert {key: field_spec(key).unit for key in expected} == expected


def _filled(cls: type[SignalMetadata]) -> SignalMetadata:
    """A record with every field set to a value of its kind."""
    values: dict[str, Any] = {}
    for spec in cls.specs():
        values[spec.key] = {
            FieldKind.TEXT: f"{spec.key} text",
            FieldKind.QUANTITY: 1.25e-3,
            FieldKind.DATETIME: dt.datetime(2024, 2, 29, 6, 58, 4, tzinfo=dt.UTC),
            FieldKind.ENUM: spec.choices[-1][0] if spec.choices else None,
            FieldKind.COUNT: 7,
            FieldKind.FLAG: True,
            FieldKind.LIST: [spec.choices[0][0] if spec.choices else "a", "b"],
            FieldKind.SHAPE: [16, 8],
            FieldKind.MAPPING: {"EMD version": "0.2", "Simulated": True},
        }[spec.kind]
    if "file_size" in values:
        values["file_size"] = 2023240  # bytes are whole
    return cls(**values)


@pytest.mark.parametrize("cls", [SignalMetadata, FileSummary])
def test_round_trip_through_json(cls: type[SignalMetadata]) -> None:
    record = _filled(cls)
    data = json.loads(json.dumps(record.to_dict(), allow_nan=False))
    assert list(data) == [s.key for s in cls.specs()]
    assert data["acquired_at"] == "2024-02-29T06:58:04+00:00"
    assert cls.from_dict(data) == record


def test_extracted_records_round_trip(extracted: dict[str, Any]) -> None:
    for result in extracted.values():
        for signal in result.signals:
            data = json.loads(json.dumps(signal.metadata.to_dict(), allow_nan=False))
            assert SignalMetadata.from_dict(data) == signal.metadata
        if result.summary is not None:
            assert FileSummary.from_dict(result.summary.to_dict()) == result.summary


def test_from_dict_is_tolerant() -> None:
    old = {
        "beam_energy_keV": 200.0,  # keys of earlier versions are not read
        "si": {"pixel_size_m": 1e-9},
        "stage": {"x_m": 1e-6},
        "signals_count": 3,
        "microscope": "Titan",
        "beam_energy": "200 kV",  # a wrong type becomes unknown
        "kind": "image",
        "acquired_at": "not a date",
        "warnings": ["w"],
    }
    record = FileSummary.from_dict(old)
    assert record.microscope == "Titan" and record.kind == "image" and record.warnings == ["w"]
    assert record.beam_energy is None and record.acquired_at is None
    assert record.signal_count == 0 and record.stage_x is None


def test_summary_copies_the_primary_signal() -> None:
    primary = SignalMetadata(beam_energy=300e3, elements=["Cu"], extra={"Mode": "STEM"})
    summary = FileSummary.of_primary(primary, signal_count=2, kinds=["image"])
    assert summary.beam_energy == 300e3 and summary.signal_count == 2
    summary.elements.append("O")
    summary.extra["x"] = 1
    assert primary.elements == ["Cu"] and primary.extra == {"Mode": "STEM"}


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("exposure_time", 0.1, ("100", "ms")),
        ("exposure_time", 1e-4, ("100", "\u00b5s")),
        ("dwell_time", 3.5e-6, ("3.5", "\u00b5s")),
        ("exposure_time", 999.96e-6, ("1", "ms")),  # rounds up into the next unit
        ("beam_energy", 3.0e5, ("300", "keV")),
        ("beam_energy", 5000.0, ("5", "keV")),
        ("pixel_size", 2.5e-11, ("25", "pm")),
        ("pixel_size", 2.4853801727294922e-10, ("248.5", "pm")),
        ("pixel_size", 3.3724e-06, ("3.372", "\u00b5m")),
        ("reciprocal_pixel_size", 1.7443285882472992e8, ("0.1744", "1/nm")),
        ("camera_length", 0.135, ("135", "mm")),
        ("camera_length", 1.1, (f"1{NNBSP}100", "mm")),
        ("magnification", 1.3e6, (f"1{NNBSP}300{NNBSP}000", "\u00d7")),
        ("magnification", 225000.0, (f"225{NNBSP}000", "\u00d7")),
        ("magnification", 120.0, ("120", "\u00d7")),
        ("stage_x", -0.000461276, ("-461.3", "\u00b5m")),
        ("stage_alpha", -12.586370150445031, ("-12.59", "\u00b0")),
        ("convergence_angle", 1.2032113697747282, ("21", "mrad")),
        ("beam_current", 6.25e-12, ("6.25", "pA")),
        ("file_size", 2023240, ("2.023", "MB")),
    ],
)
def test_format_quantity(key: str, value: float, shown: tuple[str, str]) -> None:
    assert format_quantity(field_spec(key), value) == shown


def test_format_quantity_in_a_given_unit_and_unknown() -> None:
    assert format_quantity(field_spec("pixel_size"), 2.5e-11, "nm") == ("0.025", "nm")
    assert format_quantity(field_spec("pixel_size"), None) == ("", "")


def test_one_number_style() -> None:
    assert format_number(1.3e6) == f"1{NNBSP}300{NNBSP}000"
    assert format_number(225000) == f"225{NNBSP}000"
    assert format_number(1271519.155) == f"1{NNBSP}271{NNBSP}519"
    assert format_number(0.1744328588) == "0.1744"
    assert format_number(2.5e-6) == "2.5\u00d710\u207b\u2076"
    assert format_number(0) == "0"
    for value in (1.3e6, 225000.0, 1e5, 12345.678, 0.00123, 999.9):
        assert "e" not in format_number(value)


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("beam_energy", 200e3, f"200{NBSP}keV"),
        ("magnification", 1.3e6, f"1{NNBSP}300{NNBSP}000\u00d7"),
        ("stage_beta", 0.0, "0\u00b0"),
        ("kind", "spectrum_image", "spectrum image"),
        ("technique", "CL", "CL (cathodoluminescence)"),
        ("kinds", ["image", "4d_stem"], "image, 4D-STEM"),
        ("navigation_shape", [16, 16], "16 \u00d7 16"),
        ("rgb", True, "yes"),
        ("signal_count", 10, "10"),
        ("acquired_at", dt.datetime(2016, 8, 8, 16, 26, 37), "2016-08-08 16:26:37"),
        ("extra", {"EMD version": "0.2"}, "EMD version: 0.2"),
        ("microscope", None, ""),
        ("elements", [], ""),
    ],
)
def test_format_value(key: str, value: Any, shown: str) -> None:
    assert format_value(field_spec(key), value) == shown


def test_json_schema_of_fields() -> None:
    assert field_spec("beam_energy").json_schema() == {
        "title": "Beam energy",
        "type": ["number", "null"],
        "x-unit": "eV",
        "description": "Beam energy (in eV)",
    }
    assert field_spec("acquired_at").json_schema()["format"] == "date-time"
    assert field_spec("kinds").json_schema()["items"]["enum"] == list(KINDS)
