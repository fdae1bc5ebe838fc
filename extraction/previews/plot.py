"""Line plots of spectra drawn with Pillow: axes, ticks, tick labels and unit labels."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .draw import text


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``[lo, hi]``."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return []
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    exponent = math.floor(math.log10(raw))
    base = raw / 10**exponent
    step = (1 if base < 1.5 else 2 if base < 3 else 5 if base < 7 else 10) * 10**exponent
    first = math.ceil(lo / step) * step
    ticks: list[float] = []
    value = first
    while value <= hi + step * 1e-9 and len(ticks) < 50:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.1e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    return f"{value:g}"


def line_plot(
    x: np.ndarray,
    y: np.ndarray,
    size: tuple[int, int],
    *,
    xlabel: str = "",
    ylabel: str = "counts",
    title: str = "",
) -> Image.Image:
    """Spectrum ``y`` against ``x`` on a white greyscale canvas of ``size`` with labelled axes.

    Dense spectra are drawn as a per-pixel min/max envelope so no peak is lost.
    """
    width, height = size
    small = width < 400
    fsize = 10 if small else 14
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    y = np.asarray(y, dtype=np.float64).ravel()
    x = np.asarray(x, dtype=np.float64).ravel()
    finite = np.isfinite(y)
    if not finite.any():
        text(image, (10, 10), "no finite values", fsize, 0)
        return image
    y = np.where(finite, y, np.nan)
    left = (4 * fsize) if small else (5 * fsize)
    bottom = (2 * fsize + 8) if xlabel else fsize + 8
    top = fsize + 6 if title else 6
    right = 8
    plot_w, plot_h = max(10, width - left - right), max(10, height - top - bottom)
    x_lo, x_hi = float(x[0]), float(x[-1]) if x.size > 1 else float(x[0]) + 1
    if x_hi < x_lo:
        x_lo, x_hi = x_hi, x_lo
    if x_hi == x_lo:
        x_hi = x_lo + 1
    y_lo, y_hi = float(np.nanmin(y)), float(np.nanmax(y))
    head = max(1, y.size // 33)
    rest = y[head:]
    if rest.size and np.isfinite(rest).any():
        rest_hi = float(np.nanmax(rest))
        if rest_hi > y_lo and (y_hi - y_lo) > 5 * (rest_hi - y_lo):
            # a zero-energy / zero-loss peak in the first channels would flatten the spectrum
            y_hi = rest_hi
            y = np.clip(y, y_lo, y_hi)
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    pad = 0.05 * (y_hi - y_lo)
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def px(value: float) -> float:
        return left + (value - x_lo) / (x_hi - x_lo) * plot_w

    def py(value: float) -> float:
        return top + plot_h - (value - y_lo) / (y_hi - y_lo) * plot_h

    grey, black, blue = 200, 0, 40
    for tick in nice_ticks(x_lo, x_hi, 3 if small else 7):
        xp = px(tick)
        draw.line([(xp, top), (xp, top + plot_h)], fill=235)
        draw.line([(xp, top + plot_h), (xp, top + plot_h + 4)], fill=black)
        text(image, (xp, top + plot_h + 5), _fmt(tick), fsize, black, anchor="ma")
    for tick in nice_ticks(y_lo, y_hi, 3 if small else 5):
        yp = py(tick)
        draw.line([(left, yp), (left + plot_w, yp)], fill=235)
        draw.line([(left - 4, yp), (left, yp)], fill=black)
        text(image, (left - 6, yp), _fmt(tick), fsize, black, anchor="rm")
    columns = np.clip(((x - x_lo) / (x_hi - x_lo) * (plot_w - 1)).astype(np.int64), 0, plot_w - 1)
    if y.size > 2 * plot_w:
        _envelope(image, columns, y, (left, top, plot_w, plot_h), (y_lo, y_hi), blue)
    else:
        n = min(x.size, y.size)
        keep = np.isfinite(y[:n])
        xs = left + (x[:n][keep] - x_lo) / (x_hi - x_lo) * plot_w
        ys = top + plot_h - (y[:n][keep] - y_lo) / (y_hi - y_lo) * plot_h
        if xs.size == 1:
            xs, ys = np.repeat(xs, 2), np.repeat(ys, 2)
        # a 2 px line is the 1 px line stamped with a 2x2 brush: four thin polylines cost a
        # fraction of Pillow's wide line, which builds a polygon per segment
        for dx, dy in ((0, 0),) if small else ((0, 0), (1, 0), (0, 1), (1, 1)):
            draw.line(np.column_stack((xs + dx, ys + dy)).ravel().tolist(), fill=blue, width=1)
    draw.rectangle([left, top, left + plot_w, top + plot_h], outline=grey)
    draw.line([(left, top), (left, top + plot_h), (left + plot_w, top + plot_h)], fill=black)
    if xlabel:
        text(image, (left + plot_w / 2, height - 2), xlabel, fsize, black, anchor="md")
    if ylabel and not small:
        text(image, (left + 4, top + 2), ylabel, fsize, 90, anchor="la")
    if title:
        text(image, (left, 2), title, fsize, black, anchor="la")
    return image


def _envelope(
    image: Image.Image,
    columns: np.ndarray,
    y: np.ndarray,
    box: tuple[int, int, int, int],
    y_range: tuple[float, float],
    colour: int,
) -> None:
    """Draw a dense spectrum as its per-pixel-column min/max band (a continuous envelope),
    vectorized."""
    left, top, plot_w, plot_h = box
    y_lo, y_hi = y_range
    valid = np.isfinite(y)
    cols, values = columns[valid], y[valid]
    if not cols.size:
        return
    if np.any(cols[1:] < cols[:-1]):  # a decreasing axis: group the columns first
        order = np.argsort(cols, kind="stable")
        cols, values = cols[order], values[order]
    # one reduceat per bound over runs of equal columns (ufunc.at is far slower)
    starts = np.flatnonzero(np.concatenate(([True], cols[1:] != cols[:-1])))
    used = cols[starts]
    low = np.minimum.reduceat(values, starts)
    high = np.maximum.reduceat(values, starts)
    # each column's band also reaches the last value of the column before it: the line
    # between the two samples crosses both columns, so a steep flank stays one stroke
    # instead of breaking into dashes
    previous = values[starts[1:] - 1]
    low[1:] = np.minimum(low[1:], previous)
    high[1:] = np.maximum(high[1:], previous)
    ymin = np.full(plot_w, np.inf)
    ymax = np.full(plot_w, -np.inf)
    ymin[used] = low
    ymax[used] = high
    filled = np.isfinite(ymin)
    scale = (plot_h - 1) / (y_hi - y_lo)
    row_top = np.where(filled, (plot_h - 1) - (ymax - y_lo) * scale, plot_h)
    row_bottom = np.where(filled, (plot_h - 1) - (ymin - y_lo) * scale, -1)
    # small integers compare fastest; rows are < plot_h, so clipping to plot_h + 1 changes nothing
    first = np.clip(np.floor(row_top), -1, plot_h + 1).astype(np.int16)
    last = np.clip(np.ceil(row_bottom), -1, plot_h + 1).astype(np.int16)
    rows = np.arange(plot_h, dtype=np.int16)[:, None]
    mask = (rows >= first[None, :]) & (rows <= last[None, :])
    # paint the band through a mask: no round trip of the plot area through numpy
    image.paste(colour, (left, top), Image.fromarray(mask.view(np.uint8) * np.uint8(255), "L"))
