"""Spectra for the browser (``extraction/spectrum.py``): every signal with one signal dimension
gets its values, summed over the navigation axes, beside its previews."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from extraction import extract
from extraction.spectrum import MAX_POINTS, mean_bin
from tests.extraction.extraction_samples import manifest_files, sample_dir
from tests.extraction.written import signal_dict, write_with

IDS = [entry["path"] for entry in manifest_files()]
KEYS = ["x", "y", "x_label", "x_unit", "y_label", "points", "summed"]


def _load(path: str | None) -> dict[str, Any]:
    assert path is not None and Path(path).is_absolute()
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", IDS)
def test_every_spectrum_has_its_values_and_nothing_else_has(
    extracted: dict[str, Any], path: str
) -> None:
    for signal in extracted[path].signals:
        spectrum = signal.previews["spectrum"]
        if len(signal.signal_shape) != 1:
            assert spectrum is None, signal.kind
            continue
        data = _load(spectrum)
        assert list(data) == KEYS
        assert len(data["x"]) == len(data["y"]) == data["points"]
        assert data["points"] == min(signal.signal_shape[0], MAX_POINTS)
        assert data["summed"] == any(n > 1 for n in signal.navigation_shape)
        axis = signal.axes[-1]
        assert data["x_unit"] == ("" if axis["units"] in ("<undefined>", "[]") else axis["units"])
        # x keeps 10 significant digits of its largest magnitude
        largest = max(abs(v) for v in data["x"])
        assert data["x"][0] == pytest.approx(axis["offset"], abs=1e-9 * largest)
        thumbnail = Path(signal.previews["thumbnail"])
        assert Path(spectrum).parent == thumbnail.parent
        assert Path(spectrum).name == thumbnail.name.replace("_thumbnail.png", ".spectrum.json")


@pytest.mark.parametrize(
    ("path", "index", "summed", "x_label", "x_unit"),
    [
        ("digitalmicrograph/1D/test-EELS_spectrum.dm3", 0, False, "Energy loss", "eV"),
        ("digitalmicrograph/3D/EELS_SI.dm4", 0, True, "Energy loss", "eV"),
        ("emd/Test SI 16x16 215 kx.emd", 9, True, "X-ray energy", "keV"),
        ("tia/new/16x16-spectrum_image_5x5x4000-not_square.emi", 0, True, "Energy", "eV"),
    ],
)
def test_values_are_what_hyperspy_sums(
    extracted: dict[str, Any], path: str, index: int, summed: bool, x_label: str, x_unit: str
) -> None:
    import hyperspy.api as hs

    loaded = hs.load(str(sample_dir() / path))
    signal = (loaded if isinstance(loaded, list) else [loaded])[index]
    nav = tuple(range(signal.axes_manager.navigation_dimension))
    expected = np.asarray(signal.data, dtype=np.float64)
    expected = expected.sum(axis=nav) if nav else expected
    axis = signal.axes_manager.signal_axes[0]
    data = _load(extracted[path].signals[index].previews["spectrum"])
    assert (data["summed"], data["x_label"], data["x_unit"]) == (summed, x_label, x_unit)
    assert data["y_label"] == "Counts"
    # 7 significant digits of the largest y, 10 of the largest x
    assert np.allclose(data["y"], expected.ravel(), rtol=0, atol=1e-6 * np.abs(expected).max())
    assert np.allclose(data["x"], axis.axis, rtol=0, atol=1e-9 * np.abs(axis.axis).max())


def _write_spectrum(path: Path, data: np.ndarray) -> None:
    """A 1-D signal along an eV axis (0.5 eV a channel from 0)."""
    write_with("hspy", path, signal_dict(data, ("eV",), (False,)))


def test_long_spectra_are_mean_binned(tmp_path: Path) -> None:
    y = np.arange(10_000, dtype=np.float64) % 7
    _write_spectrum(tmp_path / "long.hspy", y)
    result = extract(tmp_path / "long.hspy", previews_dir=tmp_path / "previews")
    data = _load(result.signals[0].previews["spectrum"])
    assert math.ceil(10_000 / MAX_POINTS) == 3  # channels a point; the last point has 1
    assert data["points"] == 3334 and not data["summed"]
    assert data["x"][:2] == [0.5, 2.0]  # the means of 0, 0.5, 1 eV and of the next three
    assert data["y"][:3] == pytest.approx([1.0, 4.0, (6 + 0 + 1) / 3])
    assert data["y"][-1] == pytest.approx(y[-1]) and data["x"][-1] == 0.5 * 9_999


def test_complex_spectrum_as_amplitude(tmp_path: Path) -> None:
    phase = np.exp(1j * np.linspace(0, 20, 512))
    z = (3 + np.cos(np.arange(512) / 30)) * phase
    _write_spectrum(tmp_path / "complex.hspy", z.astype(np.complex64))
    result = extract(tmp_path / "complex.hspy", previews_dir=tmp_path / "previews")
    signal = result.signals[0]
    assert signal.kind == "complex" and signal.previews["preview"] is not None
    data = _load(signal.previews["spectrum"])
    assert data["y_label"] == "Amplitude" and data["points"] == 512
    assert np.allclose(data["y"], np.abs(z), rtol=1e-5)


def test_non_finite_values_are_null() -> None:
    from extraction.spectrum import spectrum_json

    text = spectrum_json(
        np.arange(3.0),
        np.array([1.0, np.nan, np.inf]),
        x_label="Energy",
        x_unit="eV",
        y_label="Counts",
        summed=False,
    )
    assert json.loads(text)["y"] == [1.0, None, None]


def test_mean_bin_keeps_short_spectra_and_the_last_partial_run() -> None:
    x, y = np.arange(5.0), np.arange(5.0) * 2
    same_x, same_y = mean_bin(x, y, 8)
    assert same_x.tolist() == x.tolist() and same_y.tolist() == y.tolist()
    bx, by = mean_bin(x, y, 2)
    assert bx.tolist() == [1.0, 3.5] and by.tolist() == [2.0, 7.0]
