"""What to draw for a signal: reduced, computed data in one or two panels.

Images get a percentile stretch and a calibrated scale bar; spectra a line plot with their
axis (complex spectra their amplitude); spectrum images the summed image beside the summed
spectrum; line scans their profile (counts along the line) beside the summed spectrum; stacks
a middle frame with the frame count; 4D-STEM the mean diffraction pattern beside a virtual
bright-field image; diffraction a log scale; complex images their log amplitude; RGB(A) data
(structured colour pixels or a last axis of three or four 8-bit channels) their colours.
Data are reduced first (see :mod:`.reduce`), so large lazy files are never loaded whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..schema import SignalMetadata
from ..signal import UNDEFINED, Axis, LightSignal
from ..spectrum import mean_bin
from . import draw, reduce

__all__ = [
    "MAX_FRAMES",
    "ImagePanel",
    "Panel",
    "PlotPanel",
    "frame_panels",
    "no_preview_reason",
    "panels_for",
    "pattern_cube",
    "spectrum_cube",
]

#: an image stack or series is shown frame by frame with at most this many frames, chosen
#: evenly from first to last (each read on its own: a bounded read, never the whole stack)
MAX_FRAMES = 64


@dataclass
class ImagePanel:
    """A 2D picture: ``pixels`` uint8 (h, w) or (h, w, 3|4); calibration per source pixel."""

    pixels: np.ndarray
    unit_per_pixel: float = 0.0
    unit: str = ""
    text: str = ""


@dataclass
class PlotPanel:
    """A spectrum or profile: ``y`` against ``x`` with the axis labels (name and units).

    ``spectrum`` marks the signal's own spectrum (summed over the navigation axes when
    ``summed``), whose values are also written for the browser's plot; ``x_name`` and
    ``x_unit`` are its axis's name and unit apart.
    """

    x: np.ndarray
    y: np.ndarray
    xlabel: str
    text: str = ""
    ylabel: str = "counts"
    spectrum: bool = False
    summed: bool = False
    x_name: str = "Channel"
    x_unit: str = ""


Panel = ImagePanel | PlotPanel
#: a colour spectrum is drawn as a strip this many times as wide as it is high
_STRIP_RATIO = 8


def _axis_label(axis: Axis) -> str:
    name = axis.name if axis.name and axis.name != UNDEFINED else "channel"
    units = axis.units if axis.units and axis.units not in (UNDEFINED, "[]") else ""
    return f"{name} ({units})" if units else name


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
    colours = pixels[..., :3] if pixels.ndim == 3 else pixels
    if colours.size and (colours == colours.reshape(-1, *colours.shape[2:])[0]).all():
        # one grey or colour all over tells nothing by itself: say which value it is
        value = tuple(int(c) for c in colours[0, 0]) if pixels.ndim == 3 else frame.flat[0]
        text = f"{text} (all {_number(value)})" if text else f"all {_number(value)}"
    scale = axis.scale * step if axis is not None else 0.0
    units = axis.units if axis is not None else ""
    return ImagePanel(pixels, scale, units, text)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)


def _plot_panel(x_axis: Axis, y: np.ndarray, text: str = "", *, summed: bool) -> PlotPanel:
    """The signal's spectrum along ``x_axis``; complex values are drawn as their amplitude."""
    ylabel = "counts"
    if np.iscomplexobj(y):
        y, ylabel = np.abs(y), "amplitude"
    name = x_axis.name if x_axis.name and x_axis.name != UNDEFINED else "Channel"
    unit = x_axis.units if x_axis.units and x_axis.units not in (UNDEFINED, "[]") else ""
    return PlotPanel(
        _x_values(x_axis, y.shape[-1]),
        y,
        _axis_label(x_axis),
        text,
        ylabel,
        spectrum=True,
        summed=summed,
        x_name=name,
        x_unit=unit,
    )


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


def _is_colour_channels(data: Any, sig: list[Axis]) -> bool:
    """8-bit pixels whose last axis holds three or four colour channels (RGB or RGBA)."""
    return (
        np.dtype(data.dtype) == np.uint8
        and len(data.shape) == 3
        and data.shape[-1] in (3, 4)
        and len(sig) >= 1
    )


def _colour(data: Any, sig: list[Axis]) -> list[Panel]:
    """RGB(A) data: a colour picture, or a colour strip for a 1-D colour signal."""
    if len(data.shape) == 1 and data.dtype.names:
        (row,) = reduce.compute(data)
        strip = np.repeat(row[None, :], max(1, row.shape[0] // _STRIP_RATIO), axis=0)
        return [_image_panel(strip, None, 1)]
    (frame,) = reduce.compute(reduce.stride_2d(data) if data.dtype.names else data)
    if not data.dtype.names:  # (h, w, channels) of uint8: already pixels
        return [ImagePanel(np.ascontiguousarray(frame), 0.0, "")]
    return [_image_panel(frame, sig[-1] if len(sig) == 2 else None, 1)]


def panels_for(signal: LightSignal, record: SignalMetadata) -> list[Panel]:
    """Reduced, computed data to draw for ``signal`` (one or two panels; none when there is
    nothing to draw, see :func:`no_preview_reason`)."""
    kind = record.kind or "other"
    data = signal.data
    if len(data.shape) != len(signal.axes):
        return _other(data)
    sig = signal.sig_axes
    data, nav = _drop_single(data, signal.nav_axes)
    if data.dtype.names and len(data.shape) in (1, 2):
        return _colour(data, sig)
    if _is_colour_channels(data, sig):
        return _colour(data, sig)
    x_axis = sig[-1] if sig else None
    if len(sig) == 2 and kind == "4d_stem" and nav:
        return _four_d(data, nav, sig)
    if len(sig) == 2:
        frame, text = _frame(data, len(nav), "frame")
        rows = record.image_rows
        if rows:
            frame = frame[:rows]
        small = reduce.stride_2d(frame)
        step = max(1, int(np.ceil(frame.shape[-1] / small.shape[-1])))
        (pixels,) = reduce.compute(small)
        if nav:
            text = f"{text} ({int(np.prod([a.size for a in nav]))} frames)"
        log = kind in ("diffraction", "complex")
        return [_image_panel(pixels, x_axis, step, log=log, text=text)]
    if len(sig) == 1 and x_axis is not None and data.shape[-1] > 1:
        if not nav:
            (y,) = reduce.compute(data)
            return [_plot_panel(x_axis, y, summed=False)]
        return _spectra(data, nav, x_axis)
    return _other(data)


def frame_panels(
    signal: LightSignal, record: SignalMetadata, max_frames: int = MAX_FRAMES
) -> tuple[int, list[tuple[int, ImagePanel]]]:
    """The frames of an image stack or series (one navigation axis of two or more frames,
    two signal axes, not a 4D-STEM scan or colour picture) as ``(total, [(index, panel)…])``:
    at most ``max_frames`` of them, evenly spread; ``(0, [])`` for any other signal."""
    data = signal.data
    if len(data.shape) != len(signal.axes) or (record.kind or "") == "4d_stem":
        return 0, []
    sig = signal.sig_axes
    data, nav = _drop_single(data, signal.nav_axes)
    if len(sig) != 2 or len(nav) != 1 or data.dtype.names or _is_colour_channels(data, sig):
        return 0, []
    total = int(data.shape[0])
    if total < 2:
        return 0, []
    chosen = sorted({round(i * (total - 1) / (max_frames - 1)) for i in range(max_frames)})
    chosen = chosen if total > max_frames else list(range(total))
    log = (record.kind or "") in ("diffraction", "complex")
    panels = []
    for index in chosen:
        frame = reduce.stride_2d(data[index])
        step = max(1, int(np.ceil(data.shape[-1] / frame.shape[-1])))
        (pixels,) = reduce.compute(frame)
        text = f"frame {index + 1} of {total}"
        panels.append((index, _image_panel(pixels, sig[-1], step, log=log, text=text)))
    return total, panels


#: a spectrum image is kept for the browser as at most this many positions per axis (summed
#: over blocks of the scan) …
CUBE_SIDE = 32
#: … and this many channels (mean-binned), as float32: at most 4 MiB
CUBE_CHANNELS = 1024
#: larger spectrum images get no cube (reading them twice would cost too much at extraction)
CUBE_MAX_BYTES = 2 * 1024**3


@dataclass
class SpectrumCube:
    """A spectrum image reduced for the browser: ``cube[row, col]`` is the spectrum summed
    over the scan positions ``row*bins[0]…`` by ``col*bins[1]…``; ``x`` its channel values."""

    cube: np.ndarray
    x: np.ndarray
    bins: tuple[int, int]
    nav_shape: tuple[int, int]
    x_name: str
    x_unit: str


def spectrum_cube(signal: LightSignal, record: SignalMetadata) -> SpectrumCube | None:
    """The reduced cube of a spectrum image or line scan (one signal axis, one or two
    navigation axes), read block by block (each a bounded read); ``None`` for other signals
    and for those over :data:`CUBE_MAX_BYTES`."""
    data = signal.data
    if len(data.shape) != len(signal.axes) or data.dtype.names:
        return None
    if np.issubdtype(np.dtype(data.dtype), np.complexfloating):
        return None
    sig = signal.sig_axes
    data, nav = _drop_single(data, signal.nav_axes)
    if len(sig) != 1 or len(nav) not in (1, 2) or data.shape[-1] < 2:
        return None
    if int(np.prod(data.shape, dtype=np.int64)) * np.dtype(data.dtype).itemsize > CUBE_MAX_BYTES:
        return None
    if len(nav) == 1:
        data = data[None, ...]
    rows, cols = int(data.shape[0]), int(data.shape[1])
    bins = (max(1, -(-rows // CUBE_SIDE)), max(1, -(-cols // CUBE_SIDE)))
    grid = (-(-rows // bins[0]), -(-cols // bins[1]))
    x_full = _x_values(sig[0], int(data.shape[-1]))
    x, _ = mean_bin(x_full, np.zeros_like(x_full), CUBE_CHANNELS)
    cube = np.zeros((*grid, x.size), dtype=np.float32)
    for r in range(grid[0]):
        for c in range(grid[1]):
            index = (
                slice(r * bins[0], (r + 1) * bins[0]),
                slice(c * bins[1], (c + 1) * bins[1]),
            )
            block = reduce.read_block(data, index).astype(np.float64)
            summed = np.nan_to_num(block.sum(axis=(0, 1)))
            _, binned = mean_bin(x_full, summed, CUBE_CHANNELS)
            cube[r, c] = binned
    axis = sig[0]
    name = axis.name if axis.name and axis.name != UNDEFINED else "Channel"
    unit = axis.units if axis.units and axis.units not in (UNDEFINED, "[]") else ""
    return SpectrumCube(cube, x, bins, (rows, cols), name, unit)


#: a 4D-STEM scan is kept for the browser as at most this many positions per axis …
PATTERN_SIDE = 16
#: … each diffraction pattern at most this many pixels a side, 8-bit (log-stretched)
PATTERN_PIXELS = 128


@dataclass
class PatternCube:
    """A 4D-STEM scan reduced for the browser: ``patterns[row, col]`` is the diffraction
    pattern summed over a block of scan positions (8-bit, log-stretched), ``totals`` the
    counts of each block (a virtual image of the scan)."""

    patterns: np.ndarray
    totals: np.ndarray
    bins: tuple[int, int]
    nav_shape: tuple[int, int]


def pattern_cube(signal: LightSignal, record: SignalMetadata) -> PatternCube | None:
    """The reduced patterns of a 4D-STEM scan (two signal axes, two or more navigation axes;
    more than two are summed), read block by block (bounded reads); ``None`` otherwise."""
    data = signal.data
    if (record.kind or "") != "4d_stem" or len(data.shape) != len(signal.axes):
        return None
    sig = signal.sig_axes
    data, nav = _drop_single(data, signal.nav_axes)
    if len(sig) != 2 or len(nav) < 2 or data.dtype.names:
        return None
    if int(np.prod(data.shape, dtype=np.int64)) * np.dtype(data.dtype).itemsize > CUBE_MAX_BYTES:
        return None
    extra = len(nav) - 2  # leading navigation axes (array order) summed away
    rows, cols = int(data.shape[extra]), int(data.shape[extra + 1])
    bins = (max(1, -(-rows // PATTERN_SIDE)), max(1, -(-cols // PATTERN_SIDE)))
    grid = (-(-rows // bins[0]), -(-cols // bins[1]))
    step = max(1, -(-max(data.shape[-2:]) // PATTERN_PIXELS))
    height, width = -(-data.shape[-2] // step), -(-data.shape[-1] // step)
    patterns = np.zeros((*grid, height, width), dtype=np.uint8)
    totals = np.zeros(grid, dtype=np.float64)
    lead = (slice(None),) * extra
    for r in range(grid[0]):
        for c in range(grid[1]):
            index = (
                *lead,
                slice(r * bins[0], (r + 1) * bins[0]),
                slice(c * bins[1], (c + 1) * bins[1]),
            )
            block = reduce.read_block(data, index)
            if np.iscomplexobj(block):
                block = np.abs(block)
            summed = np.nan_to_num(block.astype(np.float64).sum(axis=tuple(range(extra + 2))))
            totals[r, c] = float(summed.sum())
            patterns[r, c] = draw.stretch(summed[::step, ::step], log=True)
    return PatternCube(patterns, totals, bins, (rows, cols))


def _spectra(data: Any, nav: list[Axis], x_axis: Axis) -> list[Panel]:
    """A spectrum image: summed image and summed spectrum; a line scan (one navigation axis
    left): its profile, counts along the line, beside the summed spectrum."""
    nav_ndim = len(nav)
    spectrum, per_position = reduce.blockwise_sums(data, nav_ndim)
    summed = _plot_panel(x_axis, spectrum, "summed spectrum", summed=True)
    if nav_ndim == 1:
        profile = PlotPanel(
            _x_values(nav[0], per_position.shape[0]),
            per_position,
            _axis_label(nav[0]),
            "line profile",
            "total counts",
        )
        return [profile, summed]
    if nav_ndim > 2:
        per_position = per_position.sum(axis=tuple(range(nav_ndim - 2)))
    return [_image_panel(per_position, nav[-1], 1, text="summed image"), summed]


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
    panels: list[Panel] = [_image_panel(mean_dp, sig[-1], 1, log=True, text="mean diffraction")]
    if nav_ndim == 1:
        panels.append(
            PlotPanel(
                _x_values(nav[0], vbf.shape[0]), vbf, _axis_label(nav[0]), "virtual bright field"
            )
        )
    else:
        panels.append(_image_panel(vbf, nav[-1], 1, text="virtual bright field"))
    return panels


def _other(data: Any) -> list[Panel]:
    if len(data.shape) >= 2:
        while len(data.shape) > 2:
            data = data[data.shape[0] // 2]
        (frame,) = reduce.compute(reduce.stride_2d(data))
        if frame.dtype.kind in "biufc" or frame.dtype.names:
            return [_image_panel(frame, None, 1)]
    if len(data.shape) == 1 and data.shape[0] > 1:
        (y,) = reduce.compute(data)
        if y.dtype.kind in "biufc":
            if np.iscomplexobj(y):
                return [
                    PlotPanel(
                        np.arange(y.size, dtype=np.float64),
                        np.abs(y),
                        "channel",
                        ylabel="amplitude",
                    )
                ]
            return [PlotPanel(np.arange(y.size, dtype=np.float64), y, "channel")]
    return []


def no_preview_reason(signal: LightSignal) -> str:
    """Why :func:`panels_for` has nothing to draw for ``signal``, in a few words."""
    shape = tuple(int(n) for n in signal.data.shape)
    size = int(np.prod(shape)) if shape else 1
    if size == 0:
        return "the data are empty"
    if size == 1:
        return "the data hold a single value"
    if signal.dtype.kind not in "biufc" and not signal.dtype.names:
        return f"the data are not numbers ({signal.dtype})"
    return f"no way to draw data of shape {shape} yet"
