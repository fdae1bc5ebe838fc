"""Previews of the sample files: sizes, not blank, not uniform, spectra drawn with their axis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from extraction.previews import plot
from tests.extraction.extraction_samples import manifest_files

IDS = [entry["path"] for entry in manifest_files()]


def _open(path: str | None) -> np.ndarray:
    assert path is not None
    image = Image.open(path)
    assert image.format == "PNG"
    return np.asarray(image.convert("L"))


@pytest.mark.parametrize("path", IDS)
def test_previews_have_the_promised_sizes_and_content(extracted: dict[str, Any], path: str) -> None:
    result = extracted[path]
    for signal in result.signals:
        thumb_path, preview_path = signal.previews["thumbnail"], signal.previews["preview"]
        assert thumb_path and preview_path, f"signal {signal.index} has no preview"
        assert Path(thumb_path).is_absolute()
        thumb, preview = _open(thumb_path), _open(preview_path)
        assert max(thumb.shape) <= 256
        assert max(preview.shape) <= 1024
        assert max(thumb.shape) >= 128, "thumbnail too small to recognize anything"
        assert thumb.std() > 1 and preview.std() > 1, "picture is uniform"
        assert thumb.mean() > 2, "picture is black"


def test_sem_data_bar_is_cropped(extracted: dict[str, Any]) -> None:
    signal = extracted["tiff/FEI-Helios-Ebeam-16bits.tif"].signals[0]
    preview = _open(signal.previews["preview"])
    # 442 image rows of 471: the vendor's data bar is part of the pixels and is left out
    assert preview.shape == (442, 512)


@pytest.mark.parametrize("dtype", ["uint16", "int32", "float32", "float64"])
def test_stretch_keeps_contrast_of_wide_and_float_data(dtype: str) -> None:
    from extraction.previews.draw import stretch

    ramp = np.linspace(0, 1, 256 * 256).reshape(256, 256)
    data = ramp * {"uint16": 3000, "int32": 1e6, "float32": 1e-3, "float64": 5.0}[dtype] + 200
    data = data.astype(dtype)
    if dtype.startswith("float"):
        data[0, 0] = np.nan
        data[0, 1] = np.inf
    out = stretch(data)
    assert out.dtype == np.uint8
    assert out.min() == 0 and out.max() == 255
    assert 100 < out.mean() < 155


def test_spectrum_preview_is_a_plot_with_axis(extracted: dict[str, Any]) -> None:
    signal = extracted["digitalmicrograph/1D/test-EELS_spectrum.dm3"].signals[0]
    preview = _open(signal.previews["preview"])
    height, width = preview.shape
    assert width > height  # a plot, not a square image
    assert (preview == 255).mean() > 0.5  # white canvas
    # the x axis is a dark horizontal line across most of the width near the bottom
    dark_rows = ((preview[height // 2 :] < 60).mean(axis=1) > 0.6).nonzero()[0]
    assert dark_rows.size >= 1


def test_spectrum_image_shows_map_beside_spectrum(extracted: dict[str, Any]) -> None:
    signal = extracted["emd/Test SI 16x16 215 kx.emd"].signals[9]
    assert signal.kind == "spectrum_image"
    preview = _open(signal.previews["preview"])
    height, width = preview.shape
    assert width >= 2 * height * 0.9
    left, right = preview[:, : width // 2], preview[:, width // 2 :]
    assert (right == 255).mean() > 0.5 and (left == 255).mean() < 0.5


def test_stack_and_4d_previews(extracted: dict[str, Any]) -> None:
    stack = extracted["tia/old/03_Scanning Preview.emi"].signals[0]
    assert stack.kind == "image_stack"
    four_d = extracted["emd/Si100_4D.emd"].signals[0]
    assert four_d.kind == "4d_stem"
    preview = _open(four_d.previews["preview"])
    assert preview.shape[1] > preview.shape[0]  # mean pattern beside virtual bright field


def test_previews_of_other_kinds(extracted: dict[str, Any]) -> None:
    rgba = extracted["digitalmicrograph/2D/test-8.dm3"].signals[0]
    assert Image.open(rgba.previews["preview"]).mode in ("RGB", "RGBA")
    complex_fft = extracted["digitalmicrograph/2D/test_fft_packed_complex8.dm4"].signals[0]
    assert complex_fft.kind == "complex"
    assert _open(complex_fft.previews["preview"]).std() > 1


def test_nice_ticks() -> None:
    assert plot.nice_ticks(0, 10, 5) == [0, 2, 4, 6, 8, 10]
    assert plot.nice_ticks(-0.47, 20, 4)[0] == 0
