"""Compiled kernels of the sparse arrays that event streams are read into, cached on disk.

``sparse`` compiles two of its numba kernels without a disk cache, so every fresh extraction
process that reads a JEOL ``.pts`` lazily compiles them again: 10 to 30 s on a loaded machine,
more than the whole read. Asked to cache them, numba keeps the compiled code in ``sparse``'s
``__pycache__`` (or its per-user cache folder when that is not writable), and later processes
load it in a fraction of a second.
"""

from __future__ import annotations

import importlib

__all__ = ["cache_sparse_kernels"]

#: (module, function) of the kernels a lazy event-stream read compiles
KERNELS = (
    ("sparse.numba_backend._coo.core", "_validate_coo_coords"),
    ("sparse.numba_backend._coo.indexing", "_compute_mask"),
)


def cache_sparse_kernels() -> None:
    """Turn numba's disk cache on for :data:`KERNELS` (nothing when a kernel is missing,
    is no numba function or is cached already)."""
    for module_name, name in KERNELS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        kernel = getattr(module, name, None)
        enable = getattr(kernel, "enable_caching", None)
        if callable(enable) and type(getattr(kernel, "_cache", None)).__name__ == "NullCache":
            enable()
