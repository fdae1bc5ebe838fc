"""The Tecnai ``Microscope Info`` block: a real Titan string against what a microscopist reads
from it, and the same string with lines reordered, missing or written differently."""

from __future__ import annotations

import json
import random
from functools import lru_cache
from typing import Any

import pytest

from extraction.tecnai import SEPARATOR, parse_microscope_info, quantity
from tests.extraction.extraction_samples import sample_dir


@lru_cache(maxsize=1)
def _example() -> dict[str, Any]:
    path = sample_dir().parent / "microscopy-extra" / "tecnai-microscope-info.json"
    example: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return example


def _lines() -> list[str]:
    example = _example()
    lines: list[str] = example["microscope_info"].split(example["separator"])
    return lines


def _value(parsed: dict[str, Any], *path: str) -> Any:
    node: Any = parsed
    for key in path:
        node = node[key]
    return node


def test_real_string_reads_as_a_microscopist_reads_it() -> None:
    want = _example()["what_a_microscopist_reads_from_it"]
    got = parse_microscope_info(_example()["microscope_info"])
    assert "unparsed" not in got
    assert got["microscope"] == "Titan 300 kV D3188 SuperTwin"
    assert got["serial_number"] == "D3188"
    assert got["operator"] == want["operator"]
    assert got["gun_type"] == want["gun"]
    assert got["high_tension"] == {"value": want["high_tension_kV"] * 1e3, "unit": "V"}
    assert got["extractor_voltage"] == {"value": want["extractor_voltage_V"], "unit": "V"}
    assert got["gun_lens"] == want["gun_lens"]
    assert got["emission_current"]["unit"] == "A"
    assert got["emission_current"]["value"] == pytest.approx(want["emission_current_uA"] * 1e-6)
    assert got["mode"] == "TEM up Mh Zoom Image"
    assert got["mode_parts"]["magnification_range"] == "Mh (high magnification)"
    assert got["mode_parts"]["projection"] == "Image"
    assert got["defocus"] == {"value": pytest.approx(want["defocus_um"] * 1e-6), "unit": "m"}
    assert got["magnification"] == want["magnification"]
    assert got["spot_size"] == want["spot_size"]
    assert {k: v["value"] for k, v in got["lens_strengths"].items()} == want[
        "lens_strengths_percent"
    ]
    assert {v["unit"] for v in got["lens_strengths"].values()} == {"%"}
    assert [got["image_shift"][a]["value"] for a in "xy"] == want["image_shift_um"]
    stage = want["stage"]
    for axis in "xyz":
        assert got["stage"][axis]["unit"] == "m"
        assert got["stage"][axis]["value"] == pytest.approx(stage[f"{axis}_um"] * 1e-6)
    for angle in ("alpha", "beta"):
        assert got["stage"][angle] == {"value": stage[f"{angle}_deg"], "unit": "deg"}
    for name, size in want["apertures_um"].items():
        expected = size if isinstance(size, str) else {"value": size * 1e-6, "unit": "m"}
        if isinstance(expected, dict):
            assert got["apertures"][name]["value"] == pytest.approx(expected["value"])
            assert got["apertures"][name]["unit"] == "m"
        else:
            assert got["apertures"][name] == expected
    eels = want["energy_filter"]
    flt = got["energy_filter"]
    assert flt["mode"] == eels["mode"]
    assert flt["dispersion"] == {"value": eels["dispersion_eV_per_channel"], "unit": "eV/channel"}
    assert flt["aperture"] == {"value": eels["aperture_mm"] * 1e-3, "unit": "m"}
    for key in ("prism_shift", "drift_tube", "total_energy_loss"):
        assert flt[key] == {"value": eels[f"{key}_eV"], "unit": "eV"}


def test_reordered_lines_give_the_same_reading() -> None:
    lines = _lines()
    reference = parse_microscope_info(SEPARATOR.join(lines))
    for seed in range(5):
        shuffled = lines[:]
        random.Random(seed).shuffle(shuffled)
        # the filter's settings are recognized by their keys, wherever the header ends up
        assert parse_microscope_info(SEPARATOR.join(shuffled)) == reference


@pytest.mark.parametrize("missing", range(len(_lines())))
def test_a_missing_line_loses_only_its_own_values(missing: int) -> None:
    lines = _lines()
    reference = parse_microscope_info(SEPARATOR.join(lines))
    parsed = parse_microscope_info(SEPARATOR.join(lines[:missing] + lines[missing + 1 :]))
    assert "unparsed" not in parsed
    assert set(parsed) <= set(reference)
    for key, value in parsed.items():
        if isinstance(value, dict) and key not in ("mode_parts",):
            for inner, item in value.items():
                assert reference[key][inner] == item
        elif key != "high_tension":  # also read from the Microscope line
            assert reference[key] == value


def test_line_breaks_diffraction_mode_and_unknown_lines() -> None:
    text = "\n".join(
        [
            "Microscope Tecnai 200 kV D2267 SuperTwin",
            "Gun FEG Extr volt 3950 V Gun Lens 4 Emission 52.1uA",
            "Mode STEM nP SA Zoom Diffraction Defocus 1.5 CL 145 mm",
            "Spot 8",
            "Obj 85.1%",
            "OBJ Aperture: 40 um",
            "Holder: double tilt",
            "Something the parser has never seen",
        ]
    )
    parsed = parse_microscope_info(text)
    assert parsed["high_tension"] == {"value": 200000.0, "unit": "V"}
    assert parsed["mode_parts"]["optics"] == "STEM"
    assert parsed["mode_parts"]["probe"] == "nanoprobe"
    assert parsed["camera_length"] == {"value": 0.145, "unit": "m"}
    assert "magnification" not in parsed
    assert parsed["defocus"] == {"value": pytest.approx(1.5e-6), "unit": "m"}
    assert parsed["spot_size"] == 8
    assert parsed["lens_strengths"]["Obj"] == {"value": 85.1, "unit": "%"}
    assert parsed["apertures"]["OBJ"] == {"value": 4e-5, "unit": "m"}
    assert parsed["settings"] == {"holder": "double tilt"}
    assert parsed["unparsed"] == ["Something the parser has never seen"]


def test_empty_and_quantities() -> None:
    assert parse_microscope_info("") == {}
    assert quantity(117, "uA") == {"value": 1.17e-4, "unit": "A"}
    assert quantity(4.4, "kV") == {"value": 4400.0, "unit": "V"}
    assert quantity(0.5, "furlongs per fortnight")["unit"] == "furlongs per fortnight"
