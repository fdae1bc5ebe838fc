"""Previews a microscopist recognizes: a thumbnail (256 px square) and a preview (≤1024 px)
per signal.

:mod:`.panels` decides what to draw (images with scale bars, spectra, summed maps, profiles,
colours); this module lays the panels out, letterboxes the thumbnail into a square (pages show
thumbnails in square boxes: nothing is cropped, whatever the aspect) with the signal's name
in a caption strip when the file holds several signals, and writes the PNGs, which carry the
name as their ``Title`` text too.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future
from pathlib import Path

import numpy as np
from PIL import Image

from .._workers import executor
from ..result import no_previews
from ..schema import SignalMetadata
from ..signal import LightSignal
from ..spectrum import SUFFIX as SPECTRUM_SUFFIX
from ..spectrum import spectrum_json
from . import draw
from .panels import (
    ImagePanel,
    Panel,
    PlotPanel,
    frame_panels,
    no_preview_reason,
    panels_for,
    pattern_cube,
    spectrum_cube,
)
from .plot import line_plot
from .png import encode_png

__all__ = [
    "ImagePanel",
    "PlotPanel",
    "compose",
    "compose_pair",
    "no_preview_reason",
    "panels_for",
    "render_previews",
]

#: spectra are drawn at most this wide (enough for 4096 channels, quick to encode)
PLOT_WIDTH = 800
#: previews with fewer pixels than this are encoded and written right away: handing them to
#: a worker thread costs more than it saves
INLINE_PIXELS = 600_000


def _to_image(pixels: np.ndarray) -> Image.Image:
    if pixels.ndim == 3:
        mode = "RGBA" if pixels.shape[2] == 4 else "RGB"
        return Image.fromarray(np.ascontiguousarray(pixels), mode)
    return Image.fromarray(np.ascontiguousarray(pixels), "L")


def _annotate(image: Image.Image, panel: ImagePanel, source_width: int) -> Image.Image:
    if panel.unit_per_pixel:
        draw.scale_bar(image, panel.unit_per_pixel * source_width / image.width, panel.unit)
    draw.label(image, panel.text)
    return image


def _draw_image(panel: ImagePanel, long_side: int, enlarge_to: int) -> Image.Image:
    image = _to_image(panel.pixels)
    source_width = image.width
    return _annotate(draw.fit(image, long_side, enlarge_to=enlarge_to), panel, source_width)


def _image_pair(panel: ImagePanel) -> tuple[Image.Image, Image.Image]:
    """Thumbnail and preview of one image panel; the thumbnail is shrunk from the (not yet
    annotated) preview rather than from the full-size data, and is the very same picture when
    the data are small enough for both sizes to coincide."""
    image = _to_image(panel.pixels)
    source_width = image.width
    preview = draw.fit(image, draw.PREVIEW, enlarge_to=draw.PREVIEW_MIN)
    if max(preview.size) <= draw.THUMBNAIL:
        # both sizes give the same picture (tiny data enlarged by the same whole factor)
        annotated = _annotate(preview, panel, source_width)
        return annotated, annotated
    thumbnail = draw.fit(preview, draw.THUMBNAIL)
    return _annotate(thumbnail, panel, source_width), _annotate(preview, panel, source_width)


def compose(panels: list[Panel], long_side: int) -> Image.Image | None:
    """Draw ``panels`` into one picture whose longest side is at most ``long_side``."""
    if not panels:
        return None
    enlarge = long_side if long_side <= draw.THUMBNAIL else draw.PREVIEW_MIN
    if len(panels) == 1:
        panel = panels[0]
        if isinstance(panel, ImagePanel):
            return _draw_image(panel, long_side, enlarge)
        width = min(long_side, PLOT_WIDTH)
        return _plot(panel, (width, round(width * 0.625)))
    half = (min(long_side, PLOT_WIDTH) - draw.PANEL_GAP) // 2
    rendered = []
    for panel in panels[:2]:
        if isinstance(panel, ImagePanel):
            rendered.append(_draw_image(panel, half, half))
        else:
            rendered.append(_plot(panel, (half, half)))
    return draw.side_by_side(rendered[0], rendered[1])


def _plot(panel: PlotPanel, size: tuple[int, int]) -> Image.Image:
    return line_plot(
        panel.x, panel.y, size, xlabel=panel.xlabel, ylabel=panel.ylabel, title=panel.text
    )


def compose_pair(
    panels: list[Panel], caption: str = ""
) -> tuple[Image.Image | None, Image.Image | None]:
    """``(thumbnail, preview)`` of ``panels``: the picture of ``compose`` at
    :data:`draw.PREVIEW`, and a :data:`draw.THUMBNAIL` square with ``caption`` at its foot
    (pictures letterboxed, a single plot drawn square), with less work for single images."""
    if not panels:
        return None, None
    room = draw.THUMBNAIL - (draw.CAPTION_HEIGHT if caption else 0)
    plots = any(isinstance(p, PlotPanel) for p in panels)
    if len(panels) == 1 and isinstance(panels[0], PlotPanel):
        square = _plot(panels[0], (draw.THUMBNAIL, room))
        return draw.letterbox(square, draw.THUMBNAIL, caption, light=True), compose(
            panels, draw.PREVIEW
        )
    thumbnail: Image.Image | None
    preview: Image.Image | None
    if len(panels) == 1 and isinstance(panels[0], ImagePanel):
        thumbnail, preview = _image_pair(panels[0])
    else:
        thumbnail, preview = compose(panels, draw.THUMBNAIL), compose(panels, draw.PREVIEW)
    assert thumbnail is not None
    boxed = draw.letterbox(thumbnail, draw.THUMBNAIL, caption, light=plots)
    if thumbnail is preview and not caption:
        # tiny data: one enlarged picture serves as both, stored once (see _write_png)
        return boxed, boxed
    return boxed, preview


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, over an older file in place: truncating it to zero first
    (``O_TRUNC``) makes ext4 flush the new data on close, which costs more than encoding."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)
    if os.fstat(fd).st_nlink > 1:  # a name that shares its file (below): give it its own
        os.close(fd)
        path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _write_png(images: list[tuple[Path, Image.Image]], title: str = "") -> None:
    written: tuple[Image.Image, Path, bytes] | None = None
    for path, image in images:
        if written is not None and written[0] is image:
            # small data give the same picture at both sizes: encoded once, stored once
            # (creating a file costs more than encoding a small one), named twice
            try:
                os.link(written[1], path)
                continue
            except OSError:  # the name exists already, or no hard links here
                _write(path, written[2])
                continue
        data = encode_png(image, title=title)
        _write(path, data)
        written = (image, path, data)


def _write_spectrum(panels: list[Panel], folder: Path, stem: str) -> Path | None:
    """Write the values of the signal's spectrum panel as ``<stem>.spectrum.json``, for the
    browser to plot them again without reading the file (computed once, used twice)."""
    spectra = [p for p in panels if isinstance(p, PlotPanel) and p.spectrum]
    if not spectra:
        return None
    panel = spectra[0]
    path = folder / f"{stem}{SPECTRUM_SUFFIX}"
    values = spectrum_json(
        panel.x,
        panel.y,
        x_label=panel.x_name,
        x_unit=panel.x_unit,
        y_label=panel.ylabel.capitalize(),
        summed=panel.summed,
    )
    _write(path, values)
    return path


#: the longest side of a frame of an image stack, as the browser steps through them
FRAME_SIDE = 640
FRAMES_SUFFIX = ".frames.json"


def _write_frames(
    signal: LightSignal, record: SignalMetadata, folder: Path, stem: str
) -> Path | None:
    """For an image stack or series, one PNG per frame shown (:func:`panels.frame_panels`) and
    ``<stem>.frames.json``: ``{"total": N, "frames": [{"index": i, "file": name}…]}``."""
    total, panels = frame_panels(signal, record)
    if not panels:
        return None
    frames = []
    for index, panel in panels:
        image = compose([panel], FRAME_SIDE)
        if image is None:
            continue
        name = f"{stem}_frame-{index}.png"
        _write_png([(folder / name, image)], f"{signal.title} frame {index + 1}")
        frames.append({"index": index, "file": name})
    manifest = folder / f"{stem}{FRAMES_SUFFIX}"
    _write(manifest, json.dumps({"total": total, "frames": frames}).encode())
    return manifest


CUBE_SUFFIX = ".cube.npz"


def _write_cube(
    signal: LightSignal, record: SignalMetadata, folder: Path, stem: str
) -> Path | None:
    """For a spectrum image or line scan, ``<stem>.cube.npz``: the reduced cube
    (:func:`panels.spectrum_cube`), its channel values and a JSON description, so that the
    browser shows the spectrum of any (binned) scan position without reading the file; for a
    4D-STEM scan the reduced diffraction patterns and counts (:func:`panels.pattern_cube`)."""
    patterns = pattern_cube(signal, record)
    if patterns is not None:
        path = folder / f"{stem}{CUBE_SUFFIX}"
        meta4d = {
            "kind": "4d_stem",
            "bins": list(patterns.bins),
            "nav_shape": list(patterns.nav_shape),
        }
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                patterns=patterns.patterns,
                totals=patterns.totals,
                meta=np.array(json.dumps(meta4d)),
            )
        return path
    cube = spectrum_cube(signal, record)
    if cube is None:
        return None
    meta = {
        "kind": "spectrum_image",
        "bins": list(cube.bins),
        "nav_shape": list(cube.nav_shape),
        "x_label": cube.x_name,
        "x_unit": cube.x_unit,
        "y_label": "Counts",
    }
    path = folder / f"{stem}{CUBE_SUFFIX}"
    with path.open("wb") as handle:
        np.savez_compressed(handle, cube=cube.cube, x=cube.x, meta=np.array(json.dumps(meta)))
    return path


def render_previews(
    signal: LightSignal,
    record: SignalMetadata,
    out_dir: Path,
    stem: str,
    pending: list[Future[None]] | None = None,
    *,
    caption: bool = False,
) -> dict[str, str | None]:
    """Write ``<stem>_thumbnail.png`` and ``<stem>_preview.png`` into ``out_dir``, and for a
    spectrum the plotted values as ``<stem>.spectrum.json`` (:mod:`extraction.spectrum`); return
    their absolute paths by name (``None`` when the signal has nothing to draw:
    :func:`no_preview_reason` says why).

    Both PNGs carry the signal's title as their ``Title`` text; with ``caption`` (files of
    several signals) the thumbnail shows it too. With ``pending``, large pictures
    (:data:`INLINE_PIXELS`) are encoded and written on a worker thread (zlib and file I/O
    release the GIL) and the future is appended; the caller must wait for it. Smaller ones
    are written at once: the hand-off would cost more.
    """
    panels = panels_for(signal, record)
    out = no_previews()
    images: list[tuple[Path, Image.Image]] = []
    folder = Path(out_dir)
    if not folder.is_absolute():
        folder = folder.resolve()
    spectrum = _write_spectrum(panels, folder, stem)
    if spectrum is not None:
        out["spectrum"] = str(spectrum)
    frames = _write_frames(signal, record, folder, stem)
    if frames is not None:
        out["frames"] = str(frames)
    cube = _write_cube(signal, record, folder, stem)
    if cube is not None:
        out["cube"] = str(cube)
    title = signal.title
    pair = compose_pair(panels, title if caption else "")
    for name, image in zip(("thumbnail", "preview"), pair, strict=True):
        if image is None:
            continue
        path = folder / f"{stem}_{name}.png"
        images.append((path, image))
        out[name] = str(path)
    if images:
        if pending is None or sum(im.width * im.height for _, im in images) < INLINE_PIXELS:
            _write_png(images, title)
        else:
            pending.append(executor().submit(_write_png, images, title))
    return out
