"""Reading a stored spectrum's values for the interactive plot, on demand and bounded."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from lims.core.storage import local_copy
from lims.files.models import InstrumentFile

#: a reader that cannot read lazily is not given a larger file to read whole
MAX_EAGER_BYTES = 512 * 1024**2


def _primary_path(stack: ExitStack, file: InstrumentFile) -> Path:
    if file.external_path:
        return Path(file.external_path)
    storage = file.stored_file.storage
    path = stack.enter_context(local_copy(storage, file.stored_file.name))
    companions = list(file.companions.all())
    if companions and not (path.parent / companions[0].original_name).exists():
        # Remote storage: gather the primary and its companions side by side.
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lims-spec-")))
        shutil.copy(path, folder / path.name)
        for companion in companions:
            with (
                companion.stored_file.open("rb") as src,
                (folder / companion.original_name).open("wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
        path = folder / path.name
    return path


def _bin(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean-bin ``y`` (and ``x``) down to at most ``max_points`` points."""
    n = y.size
    if n <= max_points:
        return x, y
    factor = int(np.ceil(n / max_points))
    usable = (n // factor) * factor
    xb = x[:usable].reshape(-1, factor).mean(axis=1)
    yb = y[:usable].reshape(-1, factor).mean(axis=1)
    return xb, yb


def read_spectrum(file: InstrumentFile, index: int, *, max_points: int = 4096) -> dict[str, Any]:
    """The spectrum of signal ``index`` summed over its navigation axes, lazily read.

    Raises ValueError when the signal is not one-dimensional.
    """
    import hyperspy.api as hs

    with ExitStack() as stack:
        path = _primary_path(stack, file)
        try:
            loaded = hs.load(str(path), lazy=True)
        except NotImplementedError:
            # Some readers (MSA…) cannot read lazily; their files are small spectra anyway.
            if file.size > MAX_EAGER_BYTES:
                raise ValueError(
                    "this format cannot be read piecewise and the file is large"
                ) from None
            loaded = hs.load(str(path), lazy=False)
        signals = loaded if isinstance(loaded, list) else [loaded]
        if index >= len(signals):
            raise LookupError(f"the file has {len(signals)} signal(s)")
        signal = signals[index]
        if signal.axes_manager.signal_dimension != 1:
            raise ValueError("this signal is not a spectrum")
        data = signal.data
        nav_axes = tuple(range(signal.axes_manager.navigation_dimension))
        summed = data.sum(axis=nav_axes) if nav_axes else data
        values = np.asarray(summed.compute() if hasattr(summed, "compute") else summed)
        values = values.astype(np.float64).ravel()
        axis = signal.axes_manager.signal_axes[0]
        x = np.asarray(axis.axis, dtype=np.float64)
        name = str(axis.name) if axis.name and str(axis.name) != "<undefined>" else "Channel"
        units = str(axis.units) if axis.units and str(axis.units) != "<undefined>" else ""
        title = str(signal.metadata.get_item("General.title", "") or "")
    x, y = _bin(x, np.nan_to_num(values), max_points)
    return {
        "index": index,
        "title": title,
        "x": [round(float(v), 6) for v in x],
        "y": [float(v) for v in y],
        "x_label": f"{name} ({units})" if units else name,
        "y_label": "Counts (summed)" if nav_axes else "Counts",
        "points": int(y.size),
    }
