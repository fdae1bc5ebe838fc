"""Pillow/numpy drawing primitives: contrast stretch, resizing, scale bars, labels and fonts."""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..units import is_length, length_factor

THUMBNAIL = 256
PREVIEW = 1024
#: tiny images are enlarged (by a whole factor, pixels stay sharp) up to this preview size
PREVIEW_MIN = 256
PERCENTILES = (0.5, 99.5)
PANEL_GAP = 4
#: pixels sampled (strided) for the contrast percentiles: 0.5 % of 65 536 is still 327 pixels
_SAMPLE = 65_536


def _font_files() -> list[Path]:
    """Fonts with µ, Å and Greek letters, best first: DejaVu Sans as matplotlib ships it
    (installed with HyperSpy, so wherever extraction runs) and as Debian installs it
    (``fonts-dejavu-core``)."""
    files = []
    spec = importlib.util.find_spec("matplotlib")  # found, not imported: that costs 0.3 s
    for folder in (spec.submodule_search_locations or []) if spec else []:
        files.append(Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")
    files.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    return files


@lru_cache(maxsize=1)
def _font_file() -> str | None:
    """The first font file there is that draws µ (a missing glyph draws like U+FFFF)."""
    for path in _font_files():
        try:
            candidate = ImageFont.truetype(str(path), 20)
        except OSError:
            continue
        if candidate.getmask("µ").getbbox() != candidate.getmask("\uffff").getbbox():
            return str(path)
    return None


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at ``size`` px, or Pillow's bundled font when no DejaVu is installed."""
    path = _font_file()
    if path is not None:
        return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


#: what a font without these letters draws instead
_PLAIN = str.maketrans({"µ": "u", "μ": "u", "Å": "A", "°": " deg"})


def drawable(content: str) -> str:
    """``content`` as the font in use can draw it (``'5 µm'``, or ``'5 um'`` with Pillow's
    bundled font, which has no µ)."""
    return content if _font_file() is not None else content.translate(_PLAIN)


@lru_cache(maxsize=4096)
def _stamp(
    content: str, size: int, anchor: str, stroke_width: int
) -> tuple[tuple[int, int], Image.Image | None, Image.Image]:
    """Rendered ``content``: offset of its box from the anchor point, the outline mask (with
    ``stroke_width``) and the glyph mask. Rendering glyphs costs far more than pasting them,
    and tick labels, units and scale-bar lengths repeat from file to file."""
    fnt = font(size)
    content = drawable(content)
    left, top, right, bottom = (
        int(v) for v in fnt.getbbox(content, anchor=anchor, stroke_width=stroke_width)
    )
    box = (max(1, right - left), max(1, bottom - top))
    glyphs = Image.new("L", box, 0)
    ImageDraw.Draw(glyphs).text((-left, -top), content, font=fnt, fill=255, anchor=anchor)
    outline = None
    if stroke_width:
        outline = Image.new("L", box, 0)
        ImageDraw.Draw(outline).text(
            (-left, -top),
            content,
            font=fnt,
            fill=255,
            anchor=anchor,
            stroke_width=stroke_width,
            stroke_fill=255,
        )
    return (left, top), outline, glyphs


def text(
    image: Image.Image,
    xy: tuple[float, float],
    content: str,
    size: int,
    fill: Any,
    *,
    anchor: str = "la",
    stroke_width: int = 0,
    stroke_fill: Any = None,
) -> None:
    """Draw ``content`` like ``ImageDraw.text`` (same pixels at whole-pixel positions), from a
    cache of rendered labels."""
    if not content:
        return
    (left, top), outline, glyphs = _stamp(content, size, anchor, stroke_width)
    x, y = round(xy[0]) + left, round(xy[1]) + top
    if outline is not None and stroke_fill is not None:
        image.paste(stroke_fill, (x, y), outline)
    image.paste(fill, (x, y), glyphs)


def stretch(values: np.ndarray, *, log: bool = False) -> np.ndarray:
    """uint8 image from any real 2D array: percentile contrast stretch (NaN/inf ignored).

    16-bit, 32-bit and float data keep visible contrast; ``log`` compresses the range first
    (diffraction patterns, FFT amplitudes).
    """
    source = np.asarray(values)
    data = source.astype(np.float32, copy=False)
    if data.dtype.kind == "f" and source.dtype.kind == "f":  # integers are always finite
        finite = np.isfinite(data)
        if not finite.all():
            fill = float(np.nanmin(np.where(finite, data, np.nan))) if finite.any() else 0.0
            data = np.where(finite, data, fill)
    if log:
        data = np.log1p(data - float(data.min()))
    flat = data.ravel()
    sample = flat[:: max(1, flat.size // _SAMPLE)]
    lo, hi = (float(v) for v in np.percentile(sample, PERCENTILES))
    if hi <= lo:
        lo, hi = float(sample.min()), float(sample.max())
    if hi <= lo:
        return np.full(data.shape, 128, dtype=np.uint8)
    # (data - lo) * 255 / (hi - lo), clipped to 0…255, in one buffer
    scaled = np.subtract(data, np.float32(lo), dtype=np.float32)
    scaled *= np.float32(255.0 / (hi - lo))
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)


def rgb_from_structured(values: np.ndarray) -> np.ndarray:
    """(h, w, 3|4) uint8 array from DM's structured RGB(A) dtype."""
    names = [n for n in ("R", "G", "B", "A") if n in (values.dtype.names or ())]
    channels = np.stack([np.asarray(values[n]) for n in names], axis=-1)
    if channels.dtype != np.uint8:
        channels = np.clip(channels, 0, 255).astype(np.uint8)
    return channels


def fit(image: Image.Image, long_side: int, *, enlarge_to: int = 0) -> Image.Image:
    """Shrink to ``long_side`` (antialiased) or enlarge tiny images by a whole factor up to
    ``enlarge_to`` (nearest neighbour, pixels stay visible)."""
    width, height = image.size
    longest = max(width, height)
    if longest > long_side:
        ratio = long_side / longest
        size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    factor = (
        max(1, (enlarge_to or long_side) // longest) if enlarge_to or longest < long_side else 1
    )
    factor = min(factor, max(1, long_side // longest))
    if factor > 1:
        return image.resize((width * factor, height * factor), Image.Resampling.NEAREST)
    return image


def _nice(value: float) -> float:
    exponent = math.floor(math.log10(value))
    base = value / 10**exponent
    step = 1 if base < 2 else 2 if base < 5 else 5
    return step * 10**exponent


_DISPLAY_UNITS = [("pm", 1e-12), ("Å", 1e-10), ("nm", 1e-9), ("µm", 1e-6), ("mm", 1e-3), ("m", 1.0)]


def _length_label(value: float, unit: str) -> str:
    factor = length_factor(unit)
    if factor is None:
        return f"{value:g} {unit}".strip()
    metres = value * factor
    for name, size in reversed(_DISPLAY_UNITS):
        if name != "Å" and metres >= size * 0.999:
            return f"{metres / size:g} {name}"
    return f"{metres / 1e-12:g} pm"


def scale_bar(image: Image.Image, unit_per_pixel: float, unit: str) -> None:
    """Draw a calibrated scale bar with its length in the lower left corner (in place)."""
    width, height = image.size
    if width < 96 or not unit_per_pixel or unit_per_pixel <= 0 or not unit:
        return
    if not (is_length(unit) or "/" in unit or "^-1" in unit):
        return
    length = _nice(0.2 * width * unit_per_pixel)
    bar = max(4, round(length / unit_per_pixel))
    thickness = max(3, height // 64)
    margin = max(6, width // 40)
    x0, y1 = margin, height - margin
    draw = ImageDraw.Draw(image)
    caption = _length_label(length, unit) if is_length(unit) else f"{length:g} {unit}"
    size = max(10, min(28, height // 22))
    white, black = (255, 255, 255), (0, 0, 0)
    fill: Any = white if image.mode in ("RGB", "RGBA") else 255
    stroke: Any = black if image.mode in ("RGB", "RGBA") else 0
    draw.rectangle([x0 - 1, y1 - thickness - 1, x0 + bar + 1, y1 + 1], fill=stroke)
    draw.rectangle([x0, y1 - thickness, x0 + bar, y1], fill=fill)
    text(
        image,
        (x0, y1 - thickness - 4),
        caption,
        size,
        fill,
        anchor="ls",
        stroke_width=max(1, size // 10),
        stroke_fill=stroke,
    )


def label(image: Image.Image, caption: str) -> None:
    """Write ``caption`` in the upper left corner with an outline so it reads on any background."""
    if not caption:
        return
    width, height = image.size
    size = max(10, min(24, height // 24, width // 16))
    fill: Any = (255, 255, 255) if image.mode in ("RGB", "RGBA") else 255
    stroke: Any = (0, 0, 0) if image.mode in ("RGB", "RGBA") else 0
    text(
        image,
        (4, 3),
        caption,
        size,
        fill,
        stroke_width=max(1, size // 10),
        stroke_fill=stroke,
    )


def side_by_side(left: Image.Image, right: Image.Image) -> Image.Image:
    """Two panels on one canvas (heights matched, white gap)."""
    height = max(left.height, right.height)
    gap = PANEL_GAP
    mode = "L" if left.mode == right.mode == "L" else "RGB"
    canvas = Image.new(mode, (left.width + gap + right.width, height), "white")
    canvas.paste(left.convert(mode), (0, (height - left.height) // 2))
    canvas.paste(right.convert(mode), (left.width + gap, (height - right.height) // 2))
    return canvas


#: letterbox bars: a dark grey behind pictures (a greyscale picture stays greyscale: a third
#: of the bytes to store), white behind plots
_DARK = (32, 32, 32)
_LIGHT = (255, 255, 255)
CAPTION_SIZE = 13
CAPTION_HEIGHT = 20


def _fitted_caption(caption: str, width: int) -> str:
    """``caption`` shortened with an ellipsis to fit ``width`` pixels."""
    fnt = font(CAPTION_SIZE)
    text_ = drawable(caption)
    if fnt.getlength(text_) <= width:
        return text_
    while text_ and fnt.getlength(text_ + "…") > width:
        text_ = text_[:-1]
    return text_.rstrip() + "…"


def letterbox(
    image: Image.Image, side: int, caption: str = "", *, light: bool = False
) -> Image.Image:
    """``image`` centred in a ``side`` x ``side`` square on bars of the background colour
    (never cropped; shrunk only when it does not fit), with ``caption`` in a strip at the
    foot when given."""
    strip = CAPTION_HEIGHT if caption else 0
    room = side - strip
    if image.width > side or image.height > room:
        ratio = min(side / image.width, room / image.height)
        size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    if image.size == (side, side):
        return image
    mode = image.mode if image.mode in ("RGB", "RGBA") else "L"
    background = _LIGHT if light else _DARK
    fill: Any = background[0] if mode == "L" else (*background, 255)[: len(mode)]
    canvas = Image.new(mode, (side, side), fill)
    canvas.paste(image.convert(mode), ((side - image.width) // 2, (room - image.height) // 2))
    if caption:
        ink: Any = 0 if light else (235, 235, 235, 255)[: len(mode)]
        if mode == "L":
            ink = 0 if light else 235
        text(
            canvas,
            (side / 2, side - strip / 2),
            _fitted_caption(caption, side - 8),
            CAPTION_SIZE,
            ink,
            anchor="mm",
        )
    return canvas
