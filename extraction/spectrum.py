"""The values of a spectrum for the browser's interactive plot, computed at extraction time.

For every signal with one signal dimension (a spectrum, line scan or spectrum image, or a 1-D
complex signal as its amplitude) the preview code reduces the data to one spectrum, summed over
the navigation axes block by block (:mod:`extraction.previews`), and plots it. The same values,
mean-binned to at most :data:`MAX_POINTS`, are written beside the previews as
``<stem>-<index>.spectrum.json`` (its path is ``SignalRecord.previews["spectrum"]``)::

    {"x": [...], "y": [...], "x_label": "Energy loss", "x_unit": "eV", "y_label": "Counts",
     "points": 2048, "summed": true}

``x`` is in the axis's own unit (``x_unit``, ``""`` when the axis has none); ``y`` holds
integers for counts and ``null`` where the data are not finite.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

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


def _json_numbers(values: np.ndarray, digits: int) -> str:
    """A JSON array of ``values``: whole numbers (counts) as integers, others rounded to
    ``digits`` significant digits of the largest magnitude, ``null`` where not finite.

    Rounding the whole array at once and letting :func:`json.dumps` write the (then short)
    floats costs a fraction of formatting each value: this runs for every spectrum.
    """
    finite = np.isfinite(values)
    known = np.where(finite, values, 0.0)
    top = float(np.max(np.abs(known))) if known.size else 0.0
    if top < 2**53 and bool(np.all(known == np.round(known))):
        items: list[Any] = known.astype(np.int64).tolist()
    else:
        decimals = digits - 1 - math.floor(math.log10(top)) if top > 0 else 0
        items = np.round(known, decimals).tolist()
    if not finite.all():
        items = [item if ok else None for item, ok in zip(items, finite.tolist(), strict=True)]
    return json.dumps(items, separators=(",", ":"))


@lru_cache(maxsize=16)
def _axis_numbers(x: bytes, digits: int) -> str:
    """:func:`_json_numbers` of an axis, remembered: the spectra of one file share their axes."""
    return _json_numbers(np.frombuffer(x, dtype=np.float64), digits)


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

    ``x`` keeps 10 and ``y`` 7 significant digits (of the largest value): more than a plot
    shows, and the file stays small.
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
        separators=(",", ":"),
    )
    x_text = _axis_numbers(np.ascontiguousarray(xb, dtype=np.float64).tobytes(), 10)
    text = f'{{"x":{x_text},"y":{_json_numbers(yb, 7)},{labels[1:]}'
    return text.encode("utf-8")
