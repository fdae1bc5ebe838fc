"""Previews of data the first sample folder lacks: plain pictures, colour data, complex
spectra, line scans; thumbnails letterboxed and captioned; µ drawn as µ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from extraction import SignalMetadata, extract
from extraction.previews import ImagePanel, PlotPanel, compose_pair, draw, panels_for
from extraction.signal import Axis, LightSignal


def _signal(data: np.ndarray, axes: list[Axis], title: str = "") -> LightSignal:
    metadata = {"General": {"title": title}, "Signal": {}}
    return LightSignal(0, data, axes, metadata, {}, "test")


def _axis(name: str, size: int, units: str, navigate: bool) -> Axis:
    return Axis(name, size, 0.5, 0.0, units, navigate)


def test_plain_colour_picture_keeps_its_colours(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    pixels = np.zeros((360, 600, 3), dtype=np.uint8)
    pixels[..., 0] = np.linspace(0, 255, 600, dtype=np.uint8)  # a red ramp
    pixels[180:, :, 2] = 200  # a blue lower half
    Image.fromarray(pixels, "RGB").save(path)
    result = extract(path, previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    preview = Image.open(result.signals[0].previews["preview"] or "")
    assert preview.mode in ("RGB", "RGBA")
    rgb = np.asarray(preview.convert("RGB")).astype(int)
    height = rgb.shape[0]
    assert rgb[height // 4, -5, 0] > 200 and rgb[height // 4, 5, 0] < 50  # the ramp
    assert rgb[3 * height // 4, 300, 2] > 150 and rgb[height // 4, 300, 2] < 50


def test_colour_spectrum_is_drawn_as_a_colour_strip() -> None:
    """A 1-D signal of RGBA pixels (DigitalMicrograph writes such 'spectra')."""
    rgba = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1"), ("A", "u1")])
    data = np.zeros(64, dtype=rgba)
    data["R"] = np.arange(64) * 4
    data["A"] = 255
    signal = _signal(data, [_axis("x", 64, "px", False)])
    (panel,) = panels_for(signal, SignalMetadata(kind="spectrum"))
    assert isinstance(panel, ImagePanel)
    assert panel.pixels.shape == (8, 64, 4)
    assert panel.pixels[0, -1, 0] == 252


def test_complex_spectrum_is_drawn_as_its_amplitude() -> None:
    data = (np.exp(1j * np.linspace(0, 6, 300)) * np.linspace(1, 3, 300)).astype(np.complex64)
    signal = _signal(data, [_axis("frequency", 300, "Hz", False)])
    (panel,) = panels_for(signal, SignalMetadata(kind="complex"))
    assert isinstance(panel, PlotPanel)
    assert panel.ylabel == "amplitude"
    assert np.allclose(panel.y, np.abs(data))


def test_line_scan_shows_its_profile_beside_the_summed_spectrum() -> None:
    data = np.ones((40, 1, 100), dtype=np.float32)  # a line of 40 points, one pixel wide
    data[10:20] *= 5
    axes = [
        _axis("y", 40, "nm", True),
        _axis("x", 1, "nm", True),
        _axis("Energy", 100, "keV", False),
    ]
    profile, spectrum = panels_for(_signal(data, axes), SignalMetadata(kind="spectrum_image"))
    assert isinstance(profile, PlotPanel) and isinstance(spectrum, PlotPanel)
    assert profile.text == "line profile" and profile.xlabel == "y (nm)"
    assert profile.y.shape == (40,) and profile.y[15] == 500 and profile.y[0] == 100
    assert spectrum.text == "summed spectrum" and spectrum.y.shape == (100,)


def test_non_square_thumbnail_is_letterboxed_with_its_caption() -> None:
    wide = np.tile(np.linspace(0, 255, 300, dtype=np.uint8), (100, 1))
    thumbnail, preview = compose_pair([ImagePanel(wide)], "HAADF")
    assert thumbnail is not None and preview is not None
    assert thumbnail.size == (256, 256)
    assert preview.size == (300, 100)
    grey = np.asarray(thumbnail.convert("L")).astype(int)
    above_caption = grey[: 256 - draw.CAPTION_HEIGHT, 10:246]
    picture_rows = np.flatnonzero(np.ptp(above_caption, axis=1) > 100)  # rows of the ramp
    assert 80 <= picture_rows.size <= 90  # all of it, shrunk to 256 wide: nothing cropped
    assert np.ptp(grey[picture_rows[0], :]) > 200  # from black to white: both ends are there
    caption = grey[256 - draw.CAPTION_HEIGHT :, :]
    assert (caption > 200).any()  # light text on the dark bar


def test_micro_sign_is_drawn_as_itself() -> None:
    assert draw.drawable("5 µm") == "5 µm"
    fnt = draw.font(20)
    assert fnt.getmask("µ").getbbox() != fnt.getmask("u").getbbox()


def test_digital_surf_rgb_image_is_one_colour_picture(tmp_path: Path) -> None:
    """Digital Surf stores colour as three planes and asks HyperSpy to combine them."""
    from rsciio.digitalsurf import file_writer

    from tests.extraction.written import signal_dict as _written

    rgb = np.zeros((30, 40), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    rgb["R"] = np.arange(40) * 6
    rgb["B"] = 200
    path = tmp_path / "colour.sur"
    file_writer(str(path), _written(rgb, ("um", "um"), (False, False)))
    result = extract(path, previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    (signal,) = result.signals
    assert signal.kind == "image" and signal.navigation_shape == []
    assert signal.signal_shape == [40, 30]
    assert signal.dtype == "[('R', 'u1'), ('G', 'u1'), ('B', 'u1')]"
    preview = Image.open(signal.previews["preview"] or "").convert("RGB")
    red, green, blue = preview.getpixel((preview.width - 20, preview.height // 2))
    assert red > 200 and green < 20 and blue == 200
