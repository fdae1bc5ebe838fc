"""Previews a microscopist recognizes: a thumbnail (≤256 px) and a preview (≤1024 px) per signal.

Images get a percentile stretch and a calibrated scale bar; spectra a line plot with their
energy axis; spectrum images the summed image beside the summed spectrum; stacks a middle
frame with the frame count; 4D-STEM the mean diffraction pattern beside a virtual bright-field
image; diffraction a log scale; complex data its log amplitude; RGB(A) its colours.
Data are reduced first (see :mod:`.reduce`), so large lazy files are never loaded whole.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .._workers import executor
from ..result import no_previews
from ..schema import SignalMetadata
from ..signal import Axis, LightSignal
from ..spectrum import SUFFIX as SPECTRUM_SUFFIX
from ..spectrum import spectrum_json
from . import draw, reduce
from .plot import line_plot
from .png import encode_png

__all__ = ["ImagePanel", "PlotPanel", "compose", "compose_pair", "panels_for", "render_previews"]


@dataclass
class ImagePanel:
    """A 2D picture: ``pixels`` uint8 (h, w) or (h, w, 3|4); calibration per source pixel."""

    pixels: np.ndarray
    unit_per_pixel: float = 0.0
    unit: str = ""
    text: str = ""


@dataclass
class PlotPanel:
    """A spectrum: ``y`` against ``x`` with the axis label (name and units); ``x_name`` and
    ``x_unit`` apart, ``summed`` over navigation axes, ``y_label`` for the spectrum file."""

    x: np.ndarray
    y: np.ndarray
    xlabel: str
    text: str = ""
    x_name: str = "Channel"
    x_unit: str = ""
    summed: bool = False
    y_label: str = "Counts"


Panel = ImagePanel | PlotPanel
#: spectra are drawn at most this wide (enough for 4096 channels, quick to encode)
PLOT_WIDTH = 800
#: previews with fewer pixels than this are encoded and written right away: handing them to
#: a worker thread costs more than it saves
INLINE_PIXELS = 600_000


def _axis_label(axis: Axis) -> str:
    name = axis.name if axis.name and axis.name not in ("<undefined>",) else "channel"
    return (
        f"{name} ({axis.units})" if axis.units and axis.units not in ("<undefined>", "[]") else name
    )


def _plot_panel(
    axis: Axis, y: np.ndarray, text: str = "", *, summed: bool, amplitude: bool = False
) -> PlotPanel:
    """The spectrum along ``axis``, with what its spectrum file needs to know."""
    name = axis.name if axis.name and axis.name != "<undefined>" else "Channel"
    unit = axis.units if axis.units not in ("<undefined>", "[]") else ""
    return PlotPanel(
        _x_values(axis, y.shape[-1]),
        y,
        _axis_label(axis),
        text,
        x_name=name,
        x_unit=unit,
        summed=summed,
        y_label="Amplitude" if amplitude else "Counts",
    )


def _x_values(axis: Axis, n: int) -> np.ndarray:
    return axis.offset + axis.scale * np.arange(n, dtype=np.float64)


def _image_panel(
    frame: np.ndarray, axis: Axis | None, step: int, *, log: bool = False, text: str = ""
) -> ImagePanel:
    if frame.dtype.names:
        pixels = draw.rgb_from_structured(frame)
    elif np.iscomplexobj(frame):
        pixels = draw.stretch(np.abs(frame), log=True)
    else:
        pixels = draw.stretch(frame, log=log)
    scale = axis.scale * step if axis is not None else 0.0
    units = axis.units if axis is not None else ""
    return ImagePanel(pixels, scale, units, text)


def _drop_single(data: Any, nav: list[Axis]) -> tuple[Any, list[Axis]]:
    """Index away navigation axes of length 1."""
    index = tuple(0 if a.size == 1 else slice(None) for a in nav)
    kept = [a for a in nav if a.size != 1]
    if len(kept) == len(nav):
        return data, nav
    return data[index], kept


def _frame(data: Any, nav_ndim: int, text_for: str) -> tuple[Any, str]:
    if nav_ndim == 0:
        return data, ""
    middle = reduce.middle_index(nav_ndim, tuple(data.shape))
    total = int(np.prod(data.shape[:nav_ndim]))
    flat = int(np.ravel_multi_index(middle, data.shape[:nav_ndim]))
    return data[middle], f"{text_for} {flat + 1} of {total}"


def panels_for(signal: LightSignal, record: SignalMetadata) -> list[Panel]:
    """Reduced, computed data to draw for ``signal`` (one or two panels)."""
    kind = record.kind or "other"
    data = signal.data
    if len(data.shape) != len(signal.axes):
        return _other(data)
    nav = signal.nav_axes
    sig = signal.sig_axes
    data, nav = _drop_single(data, nav)
    x_axis = sig[-1] if sig else None
    if kind in ("image", "image_stack", "diffraction", "complex") and len(sig) == 2:
        frame, text = _frame(data, len(nav), "frame")
        rows = record.image_rows
        if rows:
            frame = frame[:rows]
        small = reduce.stride_2d(frame)
        step = max(1, int(np.ceil(frame.shape[-1] / small.shape[-1])))
        (pixels,) = reduce.compute(small)
        if kind == "image_stack":
            text = f"{text} ({int(np.prod([a.size for a in nav]))} frames)"
        return [
            _image_panel(pixels, x_axis, step, log=kind in ("diffraction", "complex"), text=text)
        ]
    if kind == "4d_stem" and len(sig) == 2 and nav:
        return _four_d(data, nav, sig)
    if kind in ("spectrum", "complex") and len(sig) == 1:
        amplitude = kind == "complex"
        values = abs(data) if amplitude else data  # a complex spectrum is drawn as its amplitude
        (y,) = reduce.compute(
            values if not nav else reduce.sum_over(values, tuple(range(len(nav))))
        )
        return [_plot_panel(sig[0], y, summed=bool(nav), amplitude=amplitude)]
    if kind in ("spectrum_image", "line_scan") and len(sig) == 1 and nav:
        nav_ndim = len(nav)
        spectrum_np, image_np = reduce.blockwise_sums(data, nav_ndim)
        if kind == "line_scan":
            (image_np,) = reduce.compute(reduce.stride_2d(data))
        elif nav_ndim > 2:
            image_np = image_np.sum(axis=tuple(range(nav_ndim - 2)))
        label_text = "summed image" if kind == "spectrum_image" else "line scan"
        image_axis = nav[-1] if kind == "spectrum_image" else None
        return [
            _image_panel(image_np, image_axis, 1, text=label_text, log=kind == "line_scan"),
            _plot_panel(sig[0], spectrum_np, "summed spectrum", summed=True),
        ]
    return _other(data)


def _four_d(data: Any, nav: list[Axis], sig: list[Axis]) -> list[Panel]:
    nav_ndim = len(nav)
    estimate = reduce.middle_block(data, nav_ndim).mean(
        axis=tuple(range(nav_ndim)), dtype=np.float64
    )
    mask = reduce.bright_field_mask(estimate)
    total, vbf = reduce.blockwise_sums(data, nav_ndim, mask)
    mean_dp = total / max(1, int(np.prod(data.shape[:nav_ndim])))
    if nav_ndim > 2:
        vbf = vbf.mean(axis=tuple(range(nav_ndim - 2)))
    return [
        _image_panel(mean_dp, sig[-1], 1, log=True, text="mean diffraction (log)"),
        _image_panel(vbf, nav[-1], 1, text="virtual bright field"),
    ]


def _other(data: Any) -> list[Panel]:
    if len(data.shape) >= 2:
        while len(data.shape) > 2:
            data = data[data.shape[0] // 2]
        (frame,) = reduce.compute(reduce.stride_2d(data))
        if frame.dtype.kind in "biufc" or frame.dtype.names:
            return [_image_panel(frame, None, 1)]
    if len(data.shape) == 1 and data.shape[0] > 1:
        (y,) = reduce.compute(data)
        if y.dtype.kind in "biuf":
            return [PlotPanel(np.arange(y.size, dtype=np.float64), y, "channel")]
    return []


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
        return line_plot(
            panel.x, panel.y, (width, round(width * 0.625)), xlabel=panel.xlabel, title=panel.text
        )
    half = (min(long_side, PLOT_WIDTH) - draw.PANEL_GAP) // 2
    rendered = []
    for panel in panels[:2]:
        if isinstance(panel, ImagePanel):
            rendered.append(_draw_image(panel, half, half))
        else:
            rendered.append(
                line_plot(panel.x, panel.y, (half, half), xlabel=panel.xlabel, title=panel.text)
            )
    return draw.side_by_side(rendered[0], rendered[1])


def compose_pair(panels: list[Panel]) -> tuple[Image.Image | None, Image.Image | None]:
    """``(thumbnail, preview)`` of ``panels``: the same pictures as ``compose`` at
    :data:`draw.THUMBNAIL` and :data:`draw.PREVIEW`, with less work for single images."""
    if not panels:
        return None, None
    if len(panels) == 1 and isinstance(panels[0], ImagePanel):
        return _image_pair(panels[0])
    return compose(panels, draw.THUMBNAIL), compose(panels, draw.PREVIEW)


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


def _write_png(images: list[tuple[Path, Image.Image]]) -> None:
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
        data = encode_png(image)
        _write(path, data)
        written = (image, path, data)


def _write_spectrum(panels: list[Panel], folder: Path, stem: str) -> Path | None:
    """Write the values a plot panel shows as ``<stem>.spectrum.json``, for the browser to plot
    them again without reading the file (computed once, used twice)."""
    plotted = [panel for panel in panels if isinstance(panel, PlotPanel)]
    if not plotted:
        return None
    panel = plotted[0]
    path = folder / f"{stem}{SPECTRUM_SUFFIX}"
    values = spectrum_json(
        panel.x,
        panel.y,
        x_label=panel.x_name,
        x_unit=panel.x_unit,
        y_label=panel.y_label,
        summed=panel.summed,
    )
    _write(path, values)
    return path


def render_previews(
    signal: LightSignal,
    record: SignalMetadata,
    out_dir: Path,
    stem: str,
    pending: list[Future[None]] | None = None,
) -> dict[str, str | None]:
    """Write ``<stem>_thumbnail.png`` and ``<stem>_preview.png`` into ``out_dir``, and for a
    spectrum the plotted values as ``<stem>.spectrum.json`` (:mod:`extraction.spectrum`); return
    their absolute paths by name (``None`` when the signal has nothing to draw).

    With ``pending``, large pictures (:data:`INLINE_PIXELS`) are encoded and written on a
    worker thread (zlib and file I/O release the GIL) and the future is appended; the caller
    must wait for it. Smaller ones are written at once: the hand-off would cost more.
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
    for name, image in zip(("thumbnail", "preview"), compose_pair(panels), strict=True):
        if image is None:
            continue
        path = folder / f"{stem}_{name}.png"
        images.append((path, image))
        out[name] = str(path)
    if images:
        if pending is None or sum(im.width * im.height for _, im in images) < INLINE_PIXELS:
            _write_png(images)
        else:
            pending.append(executor().submit(_write_png, images))
    return out
