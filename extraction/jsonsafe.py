"""Turn reader output (numpy scalars, arrays, bytes, NaN, dates…) into JSON-safe data."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Arrays with more elements than this are summarized instead of listed.
MAX_ARRAY_ITEMS = 64
#: Strings longer than this are cut (a vendor tree may embed whole XML documents).
MAX_STRING_CHARS = 20_000
MAX_DEPTH = 40
_PLAIN = {int, bool, type(None)}


def _float(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _bytes(value: bytes) -> str:
    raw = value.rstrip(b"\x00")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return f"<{len(value)} bytes: {value[:32].hex()}{'…' if len(value) > 32 else ''}>"
    return _string(text)


def _string(value: str) -> str:
    if len(value) > MAX_STRING_CHARS:
        return value[:MAX_STRING_CHARS] + f"… [{len(value)} chars]"
    return value


def _array(value: np.ndarray, depth: int) -> Any:
    if value.dtype.kind in "OUSV" or value.dtype.names:
        if value.size <= MAX_ARRAY_ITEMS:
            return [to_jsonsafe(v, depth + 1) for v in value.tolist()]
        return {"__array__": True, "shape": list(value.shape), "dtype": str(value.dtype)}
    if value.size <= MAX_ARRAY_ITEMS:
        return to_jsonsafe(value.tolist(), depth + 1)
    summary: dict[str, Any] = {
        "__array__": True,
        "shape": list(value.shape),
        "dtype": str(value.dtype),
    }
    if value.dtype.kind in "biuf" and value.size:
        flat = value.ravel()
        finite = flat[np.isfinite(flat)] if value.dtype.kind == "f" else flat
        if finite.size:
            summary["min"] = to_jsonsafe(finite.min())
            summary["max"] = to_jsonsafe(finite.max())
        summary["head"] = to_jsonsafe(flat[:8].tolist())
    return summary


def to_jsonsafe(value: Any, depth: int = 0) -> Any:
    """Return a structure made only of dict/list/str/int/float/bool/None that ``json.dumps``
    accepts with ``allow_nan=False``.

    NaN and infinities become the strings ``"NaN"``/``"Infinity"``, bytes are decoded (or shown
    as hex when binary), dates become ISO 8601 strings and long arrays are summarized by shape,
    dtype, min, max and their first values.
    """
    if depth > MAX_DEPTH:
        return "<nested too deep>"
    kind = type(value)
    # fast paths for the plain types that make up most vendor trees
    if kind is str:
        return value if len(value) <= MAX_STRING_CHARS else _string(value)
    if kind is dict:
        # plain leaves (short strings, finite floats: ``v - v`` is NaN for NaN and infinities)
        # are kept without a call
        return {
            (k if type(k) is str else str(k)): (
                v
                if (t := type(v)) in _PLAIN
                or (t is str and len(v) <= MAX_STRING_CHARS)
                or (t is float and v - v == 0.0)
                else to_jsonsafe(v, depth + 1)
            )
            for k, v in value.items()
        }
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else _float(value)
    if (kind is list or kind is tuple) and len(value) <= MAX_ARRAY_ITEMS * 4:
        return [
            v
            if (t := type(v)) in _PLAIN
            or (t is str and len(v) <= MAX_STRING_CHARS)
            or (t is float and v - v == 0.0)
            else to_jsonsafe(v, depth + 1)
            for v in value
        ]
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, str):
            return _string(value)
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return _float(float(value))
        if isinstance(value, np.complexfloating):
            return {"real": _float(float(value.real)), "imag": _float(float(value.imag))}
        if isinstance(value, np.bytes_):
            return _bytes(bytes(value))
        if isinstance(value, np.str_):
            return _string(str(value))
        if isinstance(value, np.void):
            return to_jsonsafe(value.tolist(), depth + 1)
        return to_jsonsafe(value.item(), depth + 1)
    if isinstance(value, complex):
        return {"real": _float(value.real), "imag": _float(value.imag)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _bytes(bytes(value))
    if isinstance(value, np.ndarray):
        return _array(value, depth)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonsafe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if len(items) > MAX_ARRAY_ITEMS * 4 and all(
            isinstance(v, (int, float, np.number)) for v in items[:16]
        ):
            return _array(np.asarray(items), depth)
        return [to_jsonsafe(v, depth + 1) for v in items]
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # dask or other lazy arrays
        return {"__array__": True, "shape": list(value.shape), "dtype": str(value.dtype)}
    if hasattr(value, "as_dictionary"):  # HyperSpy DictionaryTreeBrowser
        return to_jsonsafe(value.as_dictionary(), depth + 1)
    return _string(str(value))


def to_jsonsafe_shared(trees: Sequence[Any], levels: int = 3) -> list[Any]:
    """``[to_jsonsafe(tree) for tree in trees]``, converting once each sub-dictionary (down to
    ``levels`` deep) that several trees hold as the very same object.

    Readers give every signal of a file its own tree but often the same vendor sub-trees (a
    Velox file's ``SharedProperties``, ``Displays``…, most of each tree); the converted copy is
    then shared between the results as well.
    """
    memo: dict[int, Any] = {}

    def convert(value: Any, depth: int) -> Any:
        if type(value) is not dict or depth >= levels:
            return to_jsonsafe(value, depth)
        key = id(value)
        if key not in memo:
            memo[key] = {
                (k if type(k) is str else str(k)): (
                    v
                    if (t := type(v)) in _PLAIN
                    or (t is str and len(v) <= MAX_STRING_CHARS)
                    or (t is float and v - v == 0.0)
                    else convert(v, depth + 1)
                )
                for k, v in value.items()
            }
        return memo[key]

    return [convert(tree, 0) for tree in trees]
