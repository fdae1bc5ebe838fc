"""Reading a file group with RosettaSciIO: reader choice, lazy loading and failure messages."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

from .detect import candidate_readers, plugin_by_name, sniff
from .grouping import FileGroup
from .signal import LightSignal, from_reader_dict

#: Files at least this large are always read lazily (dask), whatever the reader.
LAZY_MIN_BYTES = 32 * 1024**2
#: Container formats whose in-memory size can be far above the file size (compression, sparse
#: Velox EDS streams) are read lazily from this size on.
CONTAINERS = {"EMD", "HSPY", "ZSPY", "USID", "NeXus", "Delmic", "Arina", "Tofwerk", "MRCZ"}
CONTAINER_LAZY_MIN_BYTES = 4 * 1024**2
#: A reader that cannot read lazily is not given a file larger than this (memory guard).
MAX_EAGER_BYTES = 2 * 1024**3


class UnsupportedFormat(Exception):
    """No RosettaSciIO reader knows the file."""


class ReadFailure(Exception):
    """Every candidate reader failed; the message says what failed in which file."""


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _load(reader: str, path: Path, lazy: bool) -> list[dict[str, Any]]:
    plugin = plugin_by_name(reader)
    if plugin is None:
        raise ReadFailure(f"unknown reader {reader}")
    module = importlib.import_module(plugin["api"])
    return list(module.file_reader(str(path), lazy=lazy))


def _lazy_refused(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lazy" in text and ("not supported" in text or "not implemented" in text)


def read_group(group: FileGroup, size: int) -> tuple[str, list[LightSignal], list[str]]:
    """Read ``group`` and return ``(reader name, signals, reader warnings)``.

    Raises :class:`UnsupportedFormat` when no reader fits and :class:`ReadFailure` with a human
    message when every fitting reader failed.
    """
    path = group.primary
    readers = candidate_readers(path)
    if not readers:
        _, kind = sniff(path)
        looks = f", content looks like {kind}" if kind and kind != "binary" else ""
        raise UnsupportedFormat(
            f"No reader knows the format of '{path.name}' "
            f"(extension '{path.suffix or 'none'}'{looks})."
        )
    if size == 0:
        raise ReadFailure(f"'{path.name}' is empty (0 bytes).")
    errors: list[str] = []
    for reader in readers:
        lazy = size >= LAZY_MIN_BYTES or (reader in CONTAINERS and size >= CONTAINER_LAZY_MIN_BYTES)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                try:
                    raw = _load(reader, path, lazy)
                except (ValueError, NotImplementedError, TypeError) as exc:
                    if not (lazy and _lazy_refused(exc)):
                        raise
                    if size > MAX_EAGER_BYTES:
                        raise ReadFailure(
                            f"the {reader} reader cannot read lazily and the file is too large "
                            f"({size / 1024**3:.1f} GB) to load whole"
                        ) from exc
                    raw = _load(reader, path, False)
            except MemoryError:
                errors.append(f"{reader}: not enough memory to read the file")
                continue
            except Exception as exc:
                errors.append(f"{reader} reader: {_short(exc)}")
                continue
        messages = []
        for item in caught:
            text = str(item.message).strip()
            if text and "deprecat" not in text.lower() and text not in messages:
                messages.append(text)
        raw = [d for d in raw if isinstance(d, dict) and "data" in d]
        if not raw:
            errors.append(f"{reader} reader found no data")
            continue
        signals = [from_reader_dict(i, d, reader) for i, d in enumerate(raw)]
        return reader, signals, messages
    hint = ""
    if path.suffix.lower() == ".emi" and not group.companions:
        hint = " The .emi holds only metadata; its data files (_1.ser …) are missing."
    raise ReadFailure(f"Could not read '{path.name}': " + "; ".join(errors) + "." + hint)
