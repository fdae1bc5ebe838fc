"""A normalized record against what HyperSpy read (a manifest entry's signal), for both sample
folders: the manifests give HyperSpy's units (keV, mm) and strings; records store eV and m.

Where the record rightly knows more than HyperSpy, the manifest's ``null`` is not an error
(``richer``); where it rightly differs, the field is checked by the vendor's own test instead
(``different``). Both map ``(file, field)`` to the reason.
"""

from __future__ import annotations

from typing import Any

import pytest


def _scaled(value: float | None, factor: float) -> float | None:
    return value * factor if value is not None else None


def _number(value: Any) -> Any:
    """HyperSpy keeps some readers' numbers as the strings they were (``'1000'``)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def check_against_hyperspy(
    path: str,
    md: dict[str, Any],
    expected: dict[str, Any],
    richer: dict[tuple[str, str], str],
    different: dict[tuple[str, str], str],
) -> None:
    """``md`` (a record's ``to_dict()``) agrees with the manifest's signal ``expected``."""

    def check(field: str, want: Any, actual: Any) -> None:
        if (path, field) in different:
            return
        want = _number(want)
        if want is None:
            if (path, field) not in richer:
                assert actual is None, f"{field}: HyperSpy has none, extraction says {actual!r}"
        elif isinstance(want, float):
            assert actual == pytest.approx(want, rel=1e-6), field
        else:
            assert actual == want, field

    check("beam_energy_keV", expected["beam_energy_keV"], _scaled(md["beam_energy"], 1e-3))
    check("magnification", expected["magnification"], md["magnification"])
    check("camera_length", expected["camera_length"], _scaled(md["camera_length"], 1e3))
    microscope = expected["microscope"]
    # the FEI SEM model name carries a stray quote in the file; the record drops it
    check("microscope", microscope.replace('"', "") if microscope else None, md["microscope"])
    if expected["acquisition_date"] is None:
        check("date", None, md["acquired_at"])
    elif (path, "date") not in different:
        local = f"{expected['acquisition_date']}T{expected['acquisition_time']}"
        assert md["acquired_at"][:19] == local
    if expected["exposure_s"] is None:
        if (path, "exposure") not in richer and md["technique"] not in ("EDS", "EELS"):
            assert md["exposure_time"] is None
    else:
        want = float(expected["exposure_s"])
        assert want in (
            pytest.approx(md["exposure_time"]) if md["exposure_time"] is not None else None,
            pytest.approx(md["dwell_time"]) if md["dwell_time"] is not None else None,
        ), (md["exposure_time"], md["dwell_time"])
