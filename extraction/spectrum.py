"""The values of a spectrum for the browser's interactive plot, computed at extraction time.

For every signal with one signal dimension (a spectrum, line scan or spectrum image, or a 1-D
complex signal as its amplitude) the preview code reduces the data to one spectrum, summed over
the navigation axes block by block (:mod:`extraction.previews`), and plots it. The same values,
mean-binned to at most :data:`MAX_POINTS`, are written beside the previews as
``<stem>-<index>.spectrum.json`` (its path is ``SignalRecord.previews["spectrum"]``)::

    {"x": [...], "y": [...], "x_label": "Energy loss", "x_unit": "eV", "y_label": "Counts",
     "points": 2048, "summed": true}

``x`` is in the axis's own unit (``x_unit``, ``""`` when the axis has none); ``y`` holds
``null`` where the data are not finite.
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["MAX_POINTS", "SUFFIX", "mean_bin", "spectrum_json"]

#: the browser plots at most this many points (enough for any detector's channels)
MAX_POINTS = 4096
SUFFIX = ".spectrum.json"


def mean_bin(
    x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` averaged over runs of equal length so that at most ``max_points`` remain
    (the last run may be shorter); unchanged when they are few enough."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    n = min(x.size, y.size)
    x, y = x[:n], y[:n]
    if n <= max_points:
        return x, y
    run = math.ceil(n / max_points)
    starts = np.arange(0, n, run)
    counts = np.diff(np.append(starts, n))
    return np.add.reduceat(x, starts) / counts, np.add.reduceat(y, starts) / counts


def _numbers(values: np.ndarray, digits: int) -> str:
    """JSON numbers with ``digits`` significant digits (``null`` for NaN and infinities)."""
    return ",".join(f"{v:.{digits}g}" if math.isfinite(v) else "null" for v in values.tolist())


def spectrum_json(
    x: np.ndarray,
    y: np.ndarray,
    *,
    x_label: str,
    x_unit: str,
    y_label: str,
    summed: bool,
    max_points: int = MAX_POINTS,
) -> bytes:
    """The JSON document (UTF-8) of one spectrum, mean-binned to at most ``max_points``.

    Values keep 10 (``x``) and 7 (``y``) significant digits: more than the data hold, and the
    file stays small.
    """
    xb, yb = mean_bin(x, y, max_points)
    labels = json.dumps(
        {
            "x_label": x_label,
            "x_unit": x_unit,
            "y_label": y_label,
            "points": int(yb.size),
            "summed": bool(summed),
        },
        ensure_ascii=False,
    )
    text = f'{{"x": [{_numbers(xb, 10)}], "y": [{_numbers(yb, 7)}], {labels[1:]}'
    return text.encode("utf-8")
