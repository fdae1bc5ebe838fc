"""Signals written with RosettaSciIO's own writers, for tests of formats and edge cases."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np


def signal_dict(
    data: np.ndarray, units: tuple[str, ...], navigate: tuple[bool, ...], **md: Any
) -> dict[str, Any]:
    """A reader-style signal dictionary: axes named ``…z, y, x, E`` with scale 0.5, a TEM
    acquisition at 200 keV; ``md`` adds to the TEM node (``signal_type`` sets the type)."""
    names = ["z", "y", "x", "E"][-data.ndim :] if data.ndim < 4 else ["a", "b", "c", "d"]
    axes = [
        {"name": n, "size": s, "scale": 0.5, "offset": 0.0, "units": u, "navigate": nav}
        for n, s, u, nav in zip(names, data.shape, units, navigate, strict=True)
    ]
    metadata = {
        "General": {"title": "written", "date": "2023-03-04", "time": "05:06:07"},
        "Signal": {"signal_type": md.pop("signal_type", "")},
        "Acquisition_instrument": {"TEM": {"beam_energy": 200.0, "microscope": "Test scope", **md}},
    }
    return {
        "data": data,
        "axes": axes,
        "metadata": metadata,
        "original_metadata": {"vendor": {"key": "value"}},
        "attributes": {"_lazy": False},
        "tmp_parameters": {},
        "package_info": {"package": "", "package_version": ""},
        "learning_results": {},
        "models": {},
    }


def write_with(plugin: str, path: Path, signal: dict[str, Any], **kwds: Any) -> None:
    """Write ``signal`` to ``path`` with RosettaSciIO's ``plugin`` writer."""
    module = importlib.import_module(f"rsciio.{plugin}")
    module.file_writer(str(path), signal, **kwds)


def image(dtype: str = "uint16") -> np.ndarray:
    """A smooth test picture, 64 rows of 48 pixels."""
    yy, xx = np.mgrid[0:64, 0:48]
    return ((np.sin(yy / 5) + np.cos(xx / 7) + 2) * 1000).astype(dtype)
