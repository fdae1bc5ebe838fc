"""The Titan's Tecnai block in the normalized record (``extraction/readers/tecnai_block.py``):
a real DM file's tag tree given the real string from ``tecnai-microscope-info.json``, read
through the same normalization as any DM file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from extraction.core import normalize_signal
from extraction.display import format_value
from extraction.grouping import group_for_path
from extraction.read import read_group
from extraction.readers.tecnai_block import PARSED_KEY
from extraction.schema import field_spec
from extraction.signal import LightSignal
from tests.extraction.extra_samples import extra_dir
from tests.extraction.extraction_samples import sample_dir


@lru_cache(maxsize=1)
def _example() -> dict[str, Any]:
    text = (extra_dir() / "tecnai-microscope-info.json").read_text(encoding="utf-8")
    example: dict[str, Any] = json.loads(text)
    return example


def _dm_signal_with_block(block: str, name: str = "2D/test_STEM_image.dm3") -> LightSignal:
    """A real DM signal whose ImageTags carry ``Tecnai.Microscope Info`` = ``block``."""
    path = Path(sample_dir() / "digitalmicrograph" / name)
    _, (signal, *_), _ = read_group(group_for_path(path), path.stat().st_size)
    tags = signal.original_metadata["ImageList"]["TagGroup0"]["ImageTags"]
    tags["Tecnai"] = {"Microscope Info": block}
    return signal


def test_the_block_fills_the_schema_fields() -> None:
    want = _example()["what_a_microscopist_reads_from_it"]
    signal = _dm_signal_with_block(_example()["microscope_info"])
    record = normalize_signal(signal)
    assert record.emission_current == pytest.approx(want["emission_current_uA"] * 1e-6)
    assert record.spot_size == want["spot_size"]
    assert record.defocus == pytest.approx(want["defocus_um"] * 1e-6)
    assert record.apertures == {"C1": 2000e-6, "C2": 150e-6, "CEJ": "retracted", "SA": "retracted"}
    assert record.energy_filter_mode == want["energy_filter"]["mode"]
    assert record.energy_dispersion == pytest.approx(0.1)
    assert record.energy_loss == 0.0
    # the file's own DM tags win where both say something
    assert record.microscope == "FEI Titan" and record.magnification == 225000.0
    assert record.instrument_id == "D3188"  # the serial, from the block
    rest = record.extra["Tecnai"]
    assert rest["gun_type"] == want["gun"] and rest["gun_lens"] == want["gun_lens"]
    assert rest["extractor_voltage"] == {"value": want["extractor_voltage_V"], "unit": "V"}
    assert rest["mode_description"] == "TEM, microprobe, Mh (high magnification), Zoom, Image"
    assert {k: v["value"] for k, v in rest["lens_strengths"].items()} == want[
        "lens_strengths_percent"
    ]
    assert rest["energy_filter"]["aperture"] == {"value": 0.003, "unit": "m"}
    assert "unparsed" not in rest
    # the tree keeps the parsed block beside the raw string, under readable names
    tecnai = signal.original_metadata["ImageList"]["TagGroup0"]["ImageTags"]["Tecnai"]
    assert tecnai[PARSED_KEY]["spot_size"] == 2


def test_shown_as_a_microscopist_reads_them() -> None:
    record = normalize_signal(_dm_signal_with_block(_example()["microscope_info"])).to_dict()
    assert format_value(field_spec("apertures"), record["apertures"]) == (
        "C1: 2\u202f000\u00a0µm; C2: 150\u00a0µm; CEJ: retracted; SA: retracted"
    )
    assert format_value(field_spec("emission_current"), record["emission_current"]) == (
        "117\u00a0µA"
    )
    assert format_value(field_spec("defocus"), record["defocus"]) == "64\u00a0nm"


def test_missing_and_reordered_lines_and_a_file_without_dm_values() -> None:
    """The block alone says what DM's tags do not (a file with no Microscope Info group)."""
    lines = _example()["microscope_info"].split(_example()["separator"])
    kept = [line for line in lines if not line.startswith(("Spot", "C2 Aperture"))]
    signal = _dm_signal_with_block("\u2028".join(reversed(kept)), "1D/test-1.dm3")
    record = normalize_signal(signal)
    assert record.spot_size is None and "C2" not in record.apertures
    assert record.apertures["C1"] == pytest.approx(2e-3)
    assert record.microscope == "Titan 300 kV D3188 SuperTwin"
    assert record.vendor == "FEI"
    assert record.operator == "MBK1"
    assert record.beam_energy == 300e3
    assert record.magnification == 790000.0
    assert record.stage_x == pytest.approx(-137.311e-6) and record.stage_alpha == 3.96
    assert record.defocus == pytest.approx(64e-9)
