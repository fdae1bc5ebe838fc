"""A light, HyperSpy-free view of one signal as returned by a RosettaSciIO reader.

Building full HyperSpy signal objects costs more than the read itself for small files, so the
extractor works on the reader's dictionaries directly and reproduces the few HyperSpy rules that
matter for the record: which axes navigate (``dict2signal``), the ``mapping`` from the vendor
tree into ``metadata`` and DigitalMicrograph's squeeze.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
UNDEFINED = "<undefined>"


@dataclass
class Axis:
    """One data axis in array (numpy) order."""

    name: str
    size: int
    scale: float
    offset: float
    units: str
    navigate: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of the axis."""
        return {
            "name": self.name,
            "size": self.size,
            "scale": self.scale,
            "offset": self.offset,
            "units": self.units,
            "navigate": self.navigate,
        }


def get_path(tree: Any, path: str, default: Any = None) -> Any:
    """Value at a dotted ``path`` in nested mappings (``'A.B.C'``), or ``default``."""
    node = tree
    for part in path.split("."):
        # ``type() is dict`` first: the ABC check of isinstance(…, Mapping) is slow
        if (type(node) is dict or isinstance(node, Mapping)) and part in node:
            node = node[part]
        else:
            return default
    return node


def subdict(node: Any, key: str) -> dict[str, Any]:
    """``node[key]`` when it is a mapping, else an empty dict."""
    value = node.get(key) if isinstance(node, Mapping) else None
    return value if isinstance(value, dict) else {}


def set_path(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path``, creating intermediate dictionaries."""
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _plain(tree: Any) -> Any:
    """Deep-copy mappings into plain dicts (readers return DTBox and similar)."""
    if type(tree) is dict or isinstance(tree, Mapping):
        return {
            (k if type(k) is str else str(k)): (
                v if type(v) in _LEAVES else _plain(v)  # leaves without a call
            )
            for k, v in tree.items()
        }
    return tree


_LEAVES = {str, int, float, bool, type(None)}


@dataclass
class LightSignal:
    """Data, axes and metadata of one signal; ``data`` is a numpy or dask array."""

    index: int
    data: Any
    axes: list[Axis]
    metadata: dict[str, Any]
    original_metadata: dict[str, Any]
    reader: str
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The signal title as HyperSpy shows it."""
        return str(get_path(self.metadata, "General.title", "") or "")

    @property
    def signal_type(self) -> str:
        """HyperSpy's ``metadata.Signal.signal_type`` (``'EELS'``, ``'EDS_TEM'``…), or ``''``."""
        return str(get_path(self.metadata, "Signal.signal_type", "") or "")

    @property
    def nav_axes(self) -> list[Axis]:
        """Navigation axes in array order."""
        return [a for a in self.axes if a.navigate]

    @property
    def sig_axes(self) -> list[Axis]:
        """Signal axes in array order."""
        return [a for a in self.axes if not a.navigate]

    @property
    def navigation_shape(self) -> list[int]:
        """As ``axes_manager.navigation_shape`` (x first, i.e. reversed array order)."""
        return [a.size for a in reversed(self.nav_axes)]

    @property
    def signal_shape(self) -> list[int]:
        """As ``axes_manager.signal_shape`` (x first)."""
        return [a.size for a in reversed(self.sig_axes)]

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the data."""
        return np.dtype(self.data.dtype)

    @property
    def is_lazy(self) -> bool:
        """True when the data is a dask array."""
        return not isinstance(self.data, np.ndarray)


def _axes_from_dict(
    raw_axes: list[dict[str, Any]], data: Any, metadata: dict[str, Any]
) -> list[Axis]:
    record_by = get_path(metadata, "Signal.record_by")
    if isinstance(metadata.get("Signal"), dict):
        metadata["Signal"].pop("record_by", None)
    ndim = len(data.shape)
    if not raw_axes:
        raw_axes = [{"size": n} for n in data.shape]
    if all("navigate" in a for a in raw_axes):
        sig_dim = sum(1 for a in raw_axes if not a["navigate"])
    elif record_by == "spectrum":
        sig_dim = 1
    elif record_by == "image":
        sig_dim = 2
    else:
        sig_dim = ndim
    axes = []
    n = len(raw_axes)
    for i, a in enumerate(raw_axes):
        size = a.get("size")
        if size is None:
            axis_values = a.get("axis")
            size = len(axis_values) if axis_values is not None else data.shape[i]
        scale = a.get("scale", 1.0)
        offset = a.get("offset", 0.0)
        axis_values = a.get("axis")
        if axis_values is not None and len(axis_values) > 1 and "scale" not in a:
            # non-uniform axis: keep a linear approximation for the record
            scale = (float(axis_values[-1]) - float(axis_values[0])) / (len(axis_values) - 1)
            offset = float(axis_values[0])
        # HyperSpy shows a missing name or unit as "<undefined>"
        units = a.get("units", UNDEFINED)
        axes.append(
            Axis(
                name=str(a["name"]) if a.get("name") is not None else UNDEFINED,
                size=int(size),
                scale=float(scale) if scale is not None else 1.0,
                offset=float(offset) if offset is not None else 0.0,
                units=units if isinstance(units, str) else UNDEFINED,
                navigate=i < n - sig_dim,
            )
        )
    return axes


def slug(key: str) -> str:
    """A tree key as HyperSpy names its attribute: accents dropped, characters other than
    letters, digits, ``_``, ``-`` and spaces removed, spaces as underscores (``'Start time'``
    → ``'Start_time'``, ``'Pixel Size (um)'`` → ``'Pixel_Size_um'``)."""
    text = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    return _NOT_IN_SLUG.sub("", text).strip().replace(" ", "_")


_NOT_IN_SLUG = re.compile(r"[^\w\s-]")


def get_mapped(tree: Any, path: str, default: Any = None) -> Any:
    """Value at a ``mapping`` source path, whose parts may name a key as HyperSpy's tree
    browser does (:func:`slug`): readers write ``CL.Acquisition.Start_time`` for the tag
    ``Start time``. Exact keys win."""
    value = get_path(tree, path, _MISSING)
    if value is not _MISSING:
        return value
    node = tree
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return default
        if part in node:
            node = node[part]
            continue
        wanted = slug(part)
        for key, child in node.items():
            if isinstance(key, str) and slug(key) == wanted:
                node = child
                break
        else:
            return default
    return node


def _apply_mapping(metadata: dict[str, Any], original: Any, mapping: Mapping[str, Any]) -> None:
    for source, (target, function) in mapping.items():
        value = get_mapped(original, source, _MISSING)
        if value is _MISSING:
            continue
        try:
            if function is not None:
                value = function(value)
        except Exception as exc:  # a vendor value the reader's converter chokes on
            log.debug("mapping %s failed: %s", source, exc)
            continue
        if value is not None:
            set_path(metadata, target, value)


_MISSING = object()


def from_reader_dict(index: int, raw: dict[str, Any], reader: str) -> LightSignal:
    """Build a :class:`LightSignal` from one dictionary of ``rsciio.<plugin>.file_reader``."""
    data = raw["data"]
    metadata = _plain(raw.get("metadata") or {})
    metadata.setdefault("General", {})
    metadata.setdefault("Signal", {})
    original = raw.get("original_metadata") or {}
    axes = _axes_from_dict(list(raw.get("axes") or []), data, metadata)
    mapping = raw.get("mapping") or {}
    if mapping:
        _apply_mapping(metadata, original, mapping)
    signal = LightSignal(
        index=index,
        data=data,
        axes=axes,
        metadata=metadata,
        original_metadata=original if isinstance(original, dict) else _plain(original),
        reader=reader,
    )
    for step in raw.get("post_process") or []:
        names = getattr(getattr(step, "__code__", None), "co_names", ())
        if "to_signal1D" in names:
            _to_signal1d(signal)
        elif "squeeze" in names:
            _squeeze(signal)
        elif "change_dtype" in names:
            _to_rgb(signal)
    return signal


def _to_rgb(signal: LightSignal) -> None:
    """HyperSpy's ``change_dtype("rgb8")`` as a reader requests it (Digital Surf RGB images):
    a first axis of three or four colour planes becomes the colour of each pixel, 8-bit when
    the values allow, else 16-bit."""
    shape = tuple(signal.data.shape)
    if len(shape) != 3 or shape[0] not in (3, 4) or len(signal.axes) != 3:
        return
    planes = np.asarray(signal.data)  # one picture: small enough to hold
    channel = np.uint8 if planes.max() <= 255 else np.uint16
    names = "RGBA"[: shape[0]]
    pixels = np.empty(shape[1:], dtype=[(name, channel) for name in names])
    for index, name in enumerate(names):
        pixels[name] = planes[index]
    signal.data = pixels
    signal.axes = signal.axes[1:]
    for axis in signal.axes:
        axis.navigate = False


def _to_signal1d(signal: LightSignal) -> None:
    """HyperSpy's ``s.to_signal1D()`` as a reader requests it: the first navigation axis becomes
    the signal axis (last in array order), every other axis navigates."""
    nav = [i for i, a in enumerate(signal.axes) if a.navigate]
    if not nav or len(signal.data.shape) != len(signal.axes):
        return
    source = nav[0]
    order = [i for i in range(len(signal.axes)) if i != source] + [source]
    if isinstance(signal.data, np.ndarray):
        signal.data = np.transpose(signal.data, order)
    else:
        signal.data = signal.data.transpose(order)
    axes = [signal.axes[i] for i in order]
    for axis in axes[:-1]:
        axis.navigate = True
    axes[-1].navigate = False
    signal.axes = axes


def _squeeze(signal: LightSignal) -> None:
    """HyperSpy's ``s.squeeze()`` as the DM reader requests it: drop axes of length 1."""
    shape = tuple(signal.data.shape)
    if len(shape) != len(signal.axes):
        return
    keep = [i for i, n in enumerate(shape) if n != 1 or signal.axes[i].size != 1]
    if len(keep) == len(shape) or not keep:
        return
    signal.data = signal.data.reshape(tuple(shape[i] for i in keep))
    signal.axes = [signal.axes[i] for i in keep]
