"""Reading a file group with RosettaSciIO: reader choice, read strategy and failure messages.

The strategy is chosen by what a read will cost in memory, not by the size on disk: a file is
read eagerly (into memory: fastest for small data, and what HyperSpy does) when the data it
declares (:mod:`extraction.declared`) fit :data:`EAGER_MAX_BYTES`, lazily (dask, a few blocks
at a time) otherwise or when the format cannot say (event streams). A lazy read whose arrays
turn out small is brought into memory at once, so previews work on numpy.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .declared import HDF5_READERS, declared_bytes
from .detect import Content, candidate_readers, format_family, inspect, plugin_by_name
from .failures import Attempt, explain, size_text
from .grouping import FileGroup, companion_rule_for
from .readers import prepare_reader
from .signal import LightSignal, from_reader_dict

#: Data declared up to this size are read into memory; larger data lazily.
EAGER_MAX_BYTES = 160 * 1024**2
#: Files at least this large are read lazily whatever they declare (memory-mapped reads).
LAZY_MIN_BYTES = 32 * 1024**2
#: Lazily read arrays up to this size are brought into memory right after the read.
MATERIALIZE_MAX_BYTES = 64 * 1024**2
#: A reader that cannot read lazily is not given data declared larger than this.
MAX_EAGER_BYTES = 1024**3
#: Under a memory limit, data read into memory may take this share of what the limit leaves
#: (the data and the copies previews make of them must fit side by side); a reader that
#: cannot read lazily may take twice that share, and lazily read arrays are brought into
#: memory only up to half of it.
EAGER_SHARE_OF_LEFT = 4
#: Warning categories that speak to programmers, not to the person who owns the file.
_QUIET_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ResourceWarning)
#: Log or warning texts about this installation rather than the file.
_QUIET_TEXTS = ("cannot find package", "no module named", "is not installed", "deprecat")


class UnsupportedFormat(Exception):
    """No RosettaSciIO reader knows the file."""


class ReadFailure(Exception):
    """Every candidate reader failed; the message says what is wrong in plain words.

    ``format`` is what the file claims to be (``'digitalmicrograph/dm3'``); ``signals`` holds
    what could still be read when only the data are damaged (metadata without data).
    """

    def __init__(
        self,
        message: str,
        *,
        format: str | None = None,
        reader: str | None = None,
        signals: list[LightSignal] | None = None,
    ) -> None:
        super().__init__(message)
        self.format = format
        self.reader = reader
        self.signals = signals or []


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


@lru_cache(maxsize=1)
def register_codecs() -> None:
    """Make HDF5's compression filters (bitshuffle, LZ4, Zstd, Blosc…) known to h5py.

    Done on the first HDF5 read rather than at import: loading the plugins costs a fifth of
    a second that the LIMS web process, which imports this package, does not need. TIFF
    codecs (``imagecodecs``) are found by tifffile itself.
    """
    importlib.import_module("hdf5plugin")


class _Records(logging.Handler):
    """Collects the log records of one read attempt."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _recorded() -> Iterator[tuple[list[warnings.WarningMessage], _Records]]:
    """Warnings and RosettaSciIO log records raised while reading: they become the record's
    warnings (the command line keeps them off standard output, see :mod:`extraction.cli`)."""
    logger = logging.getLogger("rsciio")
    handler = _Records()
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield caught, handler
    finally:
        logger.removeHandler(handler)


def _worth_keeping(texts: list[str], caught: list[warnings.WarningMessage]) -> list[str]:
    found = [str(w.message) for w in caught if not issubclass(w.category, _QUIET_CATEGORIES)]
    messages: list[str] = []
    for text in (t.strip() for t in [*found, *texts]):
        if text and text not in messages and not any(q in text.lower() for q in _QUIET_TEXTS):
            messages.append(text)
    return messages


def _load(reader: str, path: Path, lazy: bool) -> list[dict[str, Any]]:
    plugin = plugin_by_name(reader)
    if plugin is None:
        raise ValueError(f"unknown reader {reader}")
    if reader in HDF5_READERS:
        register_codecs()
    module = importlib.import_module(plugin["api"])
    prepare_reader(reader, module)
    return list(module.file_reader(str(path), lazy=lazy))


def _lazy_refused(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lazy" in text and ("not supported" in text or "not implemented" in text)


def _is_lazy(data: Any) -> bool:
    return not isinstance(data, np.ndarray)


def _dense(value: Any) -> np.ndarray:
    """A numpy array from a computed chunk (sparse arrays are made dense)."""
    return np.asarray(value.todense() if hasattr(value, "todense") else value)


def _materialize(raw: list[dict[str, Any]], max_bytes: int = MATERIALIZE_MAX_BYTES) -> None:
    """Compute the small lazy arrays of a read in one pass (shared chunks are read once), up
    to ``max_bytes`` in all."""
    small, total = [], 0
    for d in raw:
        nbytes = int(d["data"].nbytes) if _is_lazy(d["data"]) else 0
        if nbytes and total + nbytes <= max_bytes:
            small.append(d)
            total += nbytes
    if not small:
        return
    # dask is imported here: only lazy reads need it
    import dask

    done = dask.compute(*(d["data"] for d in small), scheduler="threads", num_workers=2)
    for item, value in zip(small, done, strict=True):
        item["data"] = _dense(value)


def memory_left() -> int | None:
    """Bytes of address space this process may still take, or None when it has no limit.

    The extraction child runs each file under ``RLIMIT_AS`` (the worker's memory limit per
    extraction); what its address space already holds is subtracted.
    """
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        return max(soft - pages * os.sysconf("SC_PAGE_SIZE"), 0)
    except (ImportError, OSError, ValueError):
        return None


class _Budget:
    """How much a read may hold in memory: the fixed ceilings, lowered under a memory limit."""

    def __init__(self) -> None:
        self.left = memory_left()
        share = None if self.left is None else self.left // EAGER_SHARE_OF_LEFT
        self.eager = EAGER_MAX_BYTES if share is None else min(EAGER_MAX_BYTES, share)
        self.forced = MAX_EAGER_BYTES if share is None else min(MAX_EAGER_BYTES, 2 * share)
        self.materialize = (
            MATERIALIZE_MAX_BYTES if share is None else min(MATERIALIZE_MAX_BYTES, share // 2)
        )

    def limited_by_memory(self, declared: int) -> bool:
        """Would ``declared`` bytes have been read into memory but for the memory limit?"""
        return self.eager < declared <= EAGER_MAX_BYTES


def _strategy(
    reader: str, path: Path, size: int, content: Content, budget: _Budget
) -> tuple[bool, int | None]:
    """``(lazy, declared bytes)`` for reading ``path`` with ``reader``."""
    declared = declared_bytes(path, reader, size, content.declared)
    lazy = size >= LAZY_MIN_BYTES or declared is None or declared > budget.eager
    return lazy, declared


def _read_with(
    reader: str, path: Path, size: int, content: Content, notes: list[str]
) -> list[dict[str, Any]]:
    budget = _Budget()
    lazy, declared = _strategy(reader, path, size, content, budget)
    try:
        raw = _load(reader, path, lazy)
    except (ValueError, NotImplementedError, TypeError) as exc:
        if not (lazy and _lazy_refused(exc)):
            raise
        if declared is not None and declared > budget.forced:
            raise MemoryLimit(
                f"it declares {size_text(declared)} of data, more than the "
                f"{size_text(budget.forced)} an extraction may hold in memory"
                f"{_under_limit(budget)}, and the {reader} reader cannot read it piece by piece"
            ) from exc
        raw = _load(reader, path, False)
        lazy = False
        if declared is not None and declared > budget.eager:
            notes.append(
                f"read into memory ({size_text(declared)}): the {reader} reader cannot read "
                "piece by piece"
            )
    if lazy and declared is not None and budget.limited_by_memory(declared):
        notes.append(
            f"read piece by piece: its {size_text(declared)} of data do not fit in memory "
            f"beside the previews{_under_limit(budget)}"
        )
    raw = [d for d in raw if isinstance(d, dict) and "data" in d]
    if lazy:
        _materialize(raw, budget.materialize)
    return raw


def _under_limit(budget: _Budget) -> str:
    if budget.left is None:
        return ""
    return f" under the memory limit per extraction ({size_text(budget.left)} left)"


class MemoryLimit(Exception):
    """Reading the file would break the memory budget; the message says by how much."""


def _metadata_only(reader: str, path: Path) -> list[LightSignal]:
    """What a lazy read still gives when the data cannot be read: the signals' metadata and
    shapes (the data are left unread). Empty when even that fails or the data read fine."""
    try:
        with _recorded():
            raw = [d for d in _load(reader, path, True) if isinstance(d, dict) and "data" in d]
    except Exception:
        return []
    signals = [from_reader_dict(i, d, reader) for i, d in enumerate(raw)]
    for signal in signals:
        try:
            # one element computes its whole chunk: enough to learn whether the data read
            np.asarray(signal.data[(0,) * len(signal.data.shape)])
        except Exception as exc:
            signal.warnings.append(f"its data cannot be read: {_short(exc)}")
        else:
            return []
    return signals


def read_group(group: FileGroup, size: int) -> tuple[str, list[LightSignal], list[str]]:
    """Read ``group`` and return ``(reader name, signals, reader warnings)``.

    Raises :class:`UnsupportedFormat` when no reader fits and :class:`ReadFailure` with a
    plain-words message when every fitting reader failed.
    """
    path = group.primary
    content = inspect(path)
    readers = candidate_readers(path, content)
    if not readers:
        raise UnsupportedFormat(_unsupported_message(path, content))
    claimed = format_family(readers[0], path)
    if size == 0:
        raise ReadFailure(f"'{path.name}' is empty (0 bytes).", format=claimed)
    attempts: list[Attempt] = []
    for reader in readers:
        notes: list[str] = []
        with _recorded() as (caught, logged):
            try:
                raw = _read_with(reader, path, size, content, notes)
            except MemoryLimit as exc:
                raise ReadFailure(
                    f"Could not read '{path.name}': {exc}.", format=claimed, reader=reader
                ) from exc
            except MemoryError:
                attempts.append(Attempt(reader, "not enough memory", MemoryError))
                continue
            except Exception as exc:
                attempts.append(Attempt(reader, _short(exc), type(exc)))
                continue
        if not raw:
            attempts.append(Attempt(reader, "found no data"))
            continue
        signals = [from_reader_dict(i, d, reader) for i, d in enumerate(raw)]
        return reader, signals, _worth_keeping(logged.messages, caught) + notes
    diagnosis = explain(path, content, size, attempts, _companion_hint(group))
    message = diagnosis.message
    damaged = _metadata_only(readers[0], path) if diagnosis.could_hold_metadata else []
    if damaged:
        message = _damaged_message(path, content, attempts)
    raise ReadFailure(message, format=claimed, reader=readers[0], signals=damaged)


def _damaged_message(path: Path, content: Content, attempts: list[Attempt]) -> str:
    detail = "; ".join(f"{a.reader} reader: {a.error}" for a in attempts)
    return (
        f"Could not read the data of '{path.name}': they are damaged, so there is no preview; "
        f"its metadata were read. Technical detail: {detail}."
    )


def _companion_hint(group: FileGroup) -> str:
    if group.primary.suffix.lower() == ".emi" and not group.companions:
        return "its data files (_1.ser …) are missing, and the .emi holds only metadata"
    return ""


def _unsupported_message(path: Path, content: Content) -> str:
    rule = companion_rule_for(path.name)
    if rule is not None:
        return (
            f"'{path.name}' is {rule.what}, which is not here: it is read together with that "
            "file, not on its own."
        )
    looks = f", content looks like {content.kind}" if content.kind not in (None, "binary") else ""
    return (
        f"No reader knows the format of '{path.name}' (extension '{path.suffix or 'none'}'{looks})."
    )
