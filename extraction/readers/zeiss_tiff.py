"""Zeiss SmartSEM TIFF (private tag ``CZ_SEM``).

Values are ``(label, value, unit)`` tuples: ``ap_mag`` is ``('Mag', '50.00 K', 'X')`` on many
instruments (50,000, not 50) and ``('Mag', 105, 'X')`` on others. ``sv_serial_number`` is the
instrument's serial (``'Merlin-61-08'``), which HyperSpy takes for the microscope; the model is
``dp_sem``. The data bar (scale bar, EHT, detector, the Zeiss logo) is drawn into the pixels,
inside a black frame across the bottom: previews stop above it (``image_rows``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..schema import SignalMetadata
from ..signal import LightSignal
from ..units import Dimension, first_str, parse_magnification
from . import Vendor
from ._common import setting

#: the data bar sits in the bottom quarter of the picture
DATA_BAR_ZONE = 0.25
#: a frame line: this share of a row's pixels (margins aside) at the darkest value
FRAME_SHARE = 0.98


def _text(cz: dict[str, Any], key: str) -> str | None:
    value = cz.get(key)
    if isinstance(value, list | tuple) and len(value) >= 2:
        return first_str(" ".join(str(part) for part in value[1:]))
    return None


def data_bar_top(image: Any) -> int | None:
    """The first row of a framed data bar across the bottom of ``image`` (2-D), or ``None``.

    The bar is framed by two rows of the image's darkest value spanning its width: the top of
    the bar is the upper one, and the lower one closes it within the bottom quarter."""
    rows, columns = image.shape
    if rows < 16 or columns < 16:
        return None
    start = int(rows * (1 - DATA_BAR_ZONE))
    zone = np.asarray(image[start:, 4:-4])
    darkest = zone.min()
    lines = np.flatnonzero((zone == darkest).mean(axis=1) >= FRAME_SHARE)
    if len(lines) < 2 or lines[-1] - lines[0] < 8:
        return None
    return start + int(lines[0])


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """Model, serial, magnification, detector, field width and data bar from ``CZ_SEM``."""
    cz = signal.original_metadata["CZ_SEM"]
    record.vendor = "Zeiss"
    serial = _text(cz, "sv_serial_number")
    model = _text(cz, "dp_sem")
    if model:
        record.microscope = model
        record.instrument_id = serial
    version = _text(cz, "sv_version")
    record.software = f"Zeiss SmartSEM {version.split(':')[0].strip()}" if version else None
    magnification = parse_magnification(_text(cz, "ap_mag"))
    if magnification:
        record.magnification = magnification
    record.detector = first_str(_text(cz, "dp_detector_type"), record.detector)
    record.horizontal_field_width = setting(cz, "ap_width", Dimension.LENGTH)
    record.operator = record.operator or _text(cz, "sv_operator")
    if len(signal.sig_axes) == 2 and not signal.nav_axes and signal.dtype.names is None:
        top = data_bar_top(signal.data)
        if top is not None:
            record.image_rows = top


def label(path: Path, signal: LightSignal) -> str:
    """``tiff/zeiss-sem``."""
    return "tiff/zeiss-sem"


VENDOR = Vendor(
    name="zeiss_tiff",
    matches=lambda s: s.reader == "TIFF" and isinstance(s.original_metadata.get("CZ_SEM"), dict),
    refine=refine,
    label=label,
)
