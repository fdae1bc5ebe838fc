"""JEOL event streams (``.pts``) decoded with numpy when read lazily.

A ``.pts`` spectrum image is a stream of 16-bit words: an X position (``0x8000``), a Y position
(``0x9000``), a picture value at that position (``0xA000``) or an X-ray event at that position
(``0xB000``, its energy channel). RosettaSciIO's lazy reader decodes each frame in
``_readframe_lazy``, which builds a Python list ``[y, x, channel]`` per event: boxing them costs
seconds for a 1.4 MB file (about twice its eager read). :func:`decode_frame` decodes the same
frame on whole arrays and returns the events as one ``(n, 3)`` array, which the reader turns
into the same sparse array (it calls ``np.asarray`` on each frame's events). It keeps the
original's every rule, quirks included (a Y position is checked against the width; the word
that ends a frame is skipped), so the data are identical; the tests compare both.

:func:`install` puts it in place of the original when a reader module is loaded, and only when
the module has the function with the expected parameters.
"""

from __future__ import annotations

import inspect
import sys
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["decode_frame", "install"]

#: the function of ``rsciio.jeol._api`` that :func:`decode_frame` replaces
ORIGINAL = "_readframe_lazy"
_PARAMETERS = 14
_X, _Y, _PICTURE, _EVENT = 0x8000, 0x9000, 0xA000, 0xB000
#: positions are 12-bit; a frame is complete when its last line is 4096 - step
_MAX_POSITION = 4096


def _last_value(values: np.ndarray, marks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every word, the value of the last marked word up to it (and whether there is one)."""
    index = np.where(marks, np.arange(len(values)), -1)
    last = np.maximum.accumulate(index) if len(index) else index
    return values[np.maximum(last, 0)], last >= 0


def decode_frame(
    rawdata: Any,
    _1: Any,
    _2: Any,
    em_image: np.ndarray,
    width: int,
    height: int,
    channel_number: int,
    width_norm: int,
    height_norm: int,
    rebin_energy: int,
    dx: int,
    dy: int,
    dz: int,
    _3: Any,
) -> tuple[int, np.ndarray, bool, bool, int]:
    """One frame of ``rawdata`` (the stream from the frame's start): ``(words read, events as
    [y, x, channel] rows, whether it holds a picture, whether the frame is complete, the last
    line)``, adding the picture's values into ``em_image`` as the original does."""
    raw = np.asarray(rawdata)
    kinds = raw & 0xF000
    values = (raw & 0x0FFF).astype(np.int64)
    count = end = len(raw)
    lines = np.flatnonzero(kinds == _Y)
    if len(lines) > 1:
        back = np.flatnonzero(values[lines[1:]] < values[lines[:-1]])
        if back.size:  # a line before the last one: the next frame starts
            end = int(lines[back[0] + 1])
            count = end + 1
    kinds, values = kinds[:end], values[:end]
    raw_x, has_x = _last_value(values, kinds == _X)
    raw_y, has_y = _last_value(values, kinds == _Y)
    x = raw_x // width_norm + dx
    x[x >= width] = -1
    y = raw_y // height_norm + dy
    y[y >= width] = -1  # sic: the original compares the line with the width too
    # before a frame's first X or Y word the original's compiled positions are 0 (a frame
    # after the first starts past the Y word that ended the one before)
    x[~has_x] = 0
    y[~has_y] = 0
    picture = (kinds == _PICTURE) & (x >= 0) & (y >= 0)
    has_picture = bool(picture.any())
    if has_picture:
        np.add.at(em_image, (y[picture], x[picture]), values[picture].astype(em_image.dtype))
    channel = values // rebin_energy + dz
    event = (kinds == _EVENT) & (channel >= 0) & (channel < channel_number)
    events = np.stack([y[event], x[event], channel[event]], axis=1)
    last_x = int(raw_x[-1]) if len(raw_x) and has_x[-1] else 0
    last_y = int(raw_y[-1]) if len(raw_y) and has_y[-1] else 0
    complete = last_y == _MAX_POSITION - height_norm and (
        last_x == _MAX_POSITION - width_norm or not has_picture
    )
    return count, events, has_picture, complete, last_y // height_norm


def install(module: ModuleType) -> None:
    """Use :func:`decode_frame` in ``module`` (RosettaSciIO's JEOL reader, or the package whose
    ``file_reader`` it holds) when it has the function it replaces, with the same parameters."""
    reader = getattr(module, "file_reader", None)
    module = sys.modules.get(getattr(reader, "__module__", ""), module)
    original = getattr(module, ORIGINAL, None)
    if original is None or original is decode_frame:
        return
    try:
        parameters = inspect.signature(original).parameters
    except (TypeError, ValueError):
        return
    if len(parameters) == _PARAMETERS:
        setattr(module, ORIGINAL, decode_frame)
