"""Checking a normalized record against expected values (used by the vendor test modules).

Keys are the schema's JSON keys (values in its stored units: eV, m, 1/m, s, degree), plus
``format`` and ``reader`` of the result and ``axes.<n>.<field>`` of the signal's axes.
"""

from __future__ import annotations

from typing import Any

import pytest

from extraction import ExtractionResult


def actual_value(result: ExtractionResult, index: int, key: str) -> Any:
    """The value ``key`` names in signal ``index`` of ``result``."""
    if key in ("format", "reader"):
        return getattr(result, key)
    record = result.signals[index]
    if key.startswith("axes."):
        _, axis, name = key.split(".")
        return record.axes[int(axis)][name]
    return record.metadata.to_dict()[key]


def check_record(result: ExtractionResult, expected: dict[str, Any], index: int = 0) -> None:
    """Every expected value is in the record (floats to a relative 1e-6)."""
    assert result.status == "ok", result.error
    for key, value in expected.items():
        actual = actual_value(result, index, key)
        if isinstance(value, float):
            assert actual == pytest.approx(value, rel=1e-6, abs=1e-15), key
        else:
            assert actual == value, key
