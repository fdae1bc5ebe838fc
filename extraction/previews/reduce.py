"""Data reductions for previews that never load a whole large array.

Every function accepts numpy or dask arrays. Dask graphs are computed with a bounded thread
pool, so memory stays at a few chunks; frames are sliced, images are strided down before they
are computed, and sums run chunk by chunk.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

#: strided subsampling keeps at most this many pixels per side before the final resize
MAX_SIDE = 2048
#: navigation positions sampled to estimate the bright-field disk of 4D-STEM data
DISK_SAMPLE = 4096
WORKERS = max(1, min(4, os.cpu_count() or 1))


def is_lazy(array: Any) -> bool:
    """True for dask (or other non-numpy) arrays."""
    return not isinstance(array, np.ndarray)


def compute(*arrays: Any) -> list[np.ndarray]:
    """Numpy results of ``arrays``, computing lazy ones together (one pass over shared data)."""
    lazy = [a for a in arrays if is_lazy(a)]
    results: dict[int, np.ndarray] = {}
    if lazy:
        import dask

        done = dask.compute(*lazy, scheduler="threads", num_workers=WORKERS)
        results = {id(a): np.asarray(r) for a, r in zip(lazy, done, strict=True)}
    return [results[id(a)] if id(a) in results else np.asarray(a) for a in arrays]


def stride_2d(array: Any, max_side: int = MAX_SIDE) -> Any:
    """Array whose last two axes are strided down to at most ``max_side`` (still lazy if lazy)."""
    height, width = array.shape[-2], array.shape[-1]
    step = max(1, math.ceil(max(height, width) / max_side))
    if step == 1:
        return array
    return array[..., ::step, ::step]


def middle_index(nav_ndim: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Index of the middle navigation position (array order)."""
    return tuple(n // 2 for n in shape[:nav_ndim])


def sum_over(array: Any, axes: tuple[int, ...]) -> Any:
    """Float64 sum over ``axes`` (lazy if lazy)."""
    if not axes:
        return array.astype(np.float64)
    return array.sum(axis=axes, dtype=np.float64)


def nav_sample(array: Any, nav_ndim: int, budget: int = DISK_SAMPLE) -> Any:
    """Strided subset of navigation positions (about ``budget``) for quick estimates."""
    nav = array.shape[:nav_ndim]
    total = int(np.prod(nav)) if nav else 1
    step = max(1, math.ceil((total / budget) ** (1 / max(nav_ndim, 1))))
    index = tuple(slice(None, None, step) for _ in nav)
    return array[index]


def bright_field_mask(pattern: np.ndarray) -> np.ndarray:
    """Boolean disk over the bright central beam of a mean diffraction pattern."""
    data = np.asarray(pattern, dtype=np.float64)
    lo, hi = float(np.nanmin(data)), float(np.nanmax(data))
    height, width = data.shape
    yy, xx = np.mgrid[0:height, 0:width]
    if hi <= lo:
        radius = max(1.0, min(height, width) / 8)
        cy, cx = (height - 1) / 2, (width - 1) / 2
    else:
        region = data > lo + 0.5 * (hi - lo)
        weight = np.where(region, data - lo, 0.0)
        total = weight.sum()
        cy = float((yy * weight).sum() / total)
        cx = float((xx * weight).sum() / total)
        radius = max(1.0, math.sqrt(region.sum() / math.pi))
    mask: np.ndarray = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    return mask


#: one block of navigation positions read at a time stays below this many bytes
BLOCK_BYTES = 32 * 1024**2


def nav_blocks(
    shape: tuple[int, ...], nav_ndim: int, itemsize: int, chunks: Any = None
) -> list[tuple[slice, ...]]:
    """Slices over the navigation axes that cover the data block by block.

    Blocks follow the array's own chunks when it has them and are split further until one
    block holds at most :data:`BLOCK_BYTES`.
    """
    nav = list(shape[:nav_ndim])
    per_position = itemsize * int(np.prod(shape[nav_ndim:], dtype=np.int64))
    steps = [
        max(c) if chunks is not None else n
        for c, n in zip(chunks or [None] * nav_ndim, nav, strict=False)
    ]
    while int(np.prod(steps, dtype=np.int64)) * per_position > BLOCK_BYTES and max(steps) > 1:
        largest = int(np.argmax(steps))
        steps[largest] = max(1, steps[largest] // 2)
    grids = [range(0, n, step) for n, step in zip(nav, steps, strict=True)]
    blocks = []
    for starts in np.ndindex(*[len(g) for g in grids]):
        blocks.append(
            tuple(
                slice(grids[d][i], min(grids[d][i] + steps[d], nav[d]))
                for d, i in enumerate(starts)
            )
        )
    return blocks


def read_block(data: Any, index: tuple[slice, ...]) -> np.ndarray:
    """One block as numpy (a bounded read for lazy data)."""
    block = data[index]
    if is_lazy(block):
        return np.asarray(block.compute(scheduler="threads", num_workers=WORKERS))
    return np.asarray(block)


#: a chunk of a lazy array larger than this is read in navigation slices (each slice reads
#: its part of the source again, which event streams make costly: chunks are kept whole
#: below this size)
CHUNK_MAX_BYTES = 128 * 1024**2


def chunk_blocks(data: Any, nav_ndim: int) -> list[tuple[slice, ...]]:
    """Slices over every axis that cover a dask array chunk by chunk (a chunk over
    :data:`CHUNK_MAX_BYTES` is cut into navigation slices of :data:`BLOCK_BYTES`)."""
    bounds = [np.cumsum((0, *sizes)) for sizes in data.chunks]
    itemsize = np.dtype(data.dtype).itemsize
    blocks = []
    for position in np.ndindex(*data.numblocks):
        index = [slice(int(b[i]), int(b[i + 1])) for b, i in zip(bounds, position, strict=True)]
        shape = tuple(sl.stop - sl.start for sl in index)
        if int(np.prod(shape, dtype=np.int64)) * itemsize <= CHUNK_MAX_BYTES:
            blocks.append(tuple(index))
            continue
        for part in nav_blocks(shape, nav_ndim, itemsize):
            shifted = [
                slice(whole.start + sub.start, whole.start + sub.stop)
                for whole, sub in zip(index, part, strict=False)
            ]
            blocks.append((*shifted, *index[nav_ndim:]))
    return blocks


def _dense(value: Any) -> np.ndarray:
    """A computed block as numpy (blocks of sparse arrays are made dense)."""
    return np.asarray(value.todense() if hasattr(value, "todense") else value)


def _read_blocks(data: Any, nav_ndim: int) -> Iterator[tuple[tuple[slice, ...], np.ndarray]]:
    """``(index, block)`` covering ``data``: numpy data in navigation blocks of at most
    :data:`BLOCK_BYTES` with the whole signal, lazy data chunk by chunk, :data:`WORKERS`
    chunks computed at a time (each chunk's source is read once)."""
    if not is_lazy(data):
        for index in nav_blocks(tuple(data.shape), nav_ndim, np.dtype(data.dtype).itemsize):
            yield index, np.asarray(data[index])
        return
    import dask  # imported here: only lazy data need it, and they have loaded it already

    blocks = chunk_blocks(data, nav_ndim)
    for start in range(0, len(blocks), WORKERS):
        batch = blocks[start : start + WORKERS]
        done = dask.compute(
            *(data[index] for index in batch), scheduler="threads", num_workers=WORKERS
        )
        for index, value in zip(batch, done, strict=True):
            yield index, _dense(value)


#: dask layers that only wrap in-memory arrays, add them up or change their type
_WRAPPING_LAYERS = ("original-array-", "array-", "add-", "astype-")


def event_arrays(data: Any) -> list[Any] | None:
    """The in-memory sparse arrays (coordinates and counts) that a lazy array only adds up,
    or ``None`` when it is anything else.

    RosettaSciIO reads event streams (JEOL ``.pts`` spectrum images, Velox spectrum streams)
    lazily as such arrays. Their sums are histograms of the events' coordinates: computing
    them from the events costs microseconds, where slicing the array into dense chunks costs
    seconds and hundreds of MB.
    """
    layers = getattr(getattr(data, "dask", None), "layers", None)
    if not is_lazy(data) or not layers:
        return None
    if not all(str(name).startswith(_WRAPPING_LAYERS) for name in layers):
        return None
    shape = tuple(int(n) for n in data.shape)
    parts = [
        value
        for value in data.__dask_graph__().values()
        if hasattr(value, "coords") and hasattr(value, "data") and hasattr(value, "shape")
    ]
    if not parts or any(tuple(p.shape) != shape or getattr(p, "fill_value", 0) != 0 for p in parts):
        return None
    return parts


def _event_sums(
    parts: list[Any], shape: tuple[int, ...], nav_ndim: int, mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`blockwise_sums` of arrays given as events (see :func:`event_arrays`)."""
    nav_shape, sig_shape = shape[:nav_ndim], shape[nav_ndim:]
    nav_size, sig_size = int(np.prod(nav_shape)), int(np.prod(sig_shape))
    nav_total = np.zeros(sig_size, dtype=np.float64)
    sig_total = np.zeros(nav_size, dtype=np.float64)
    for part in parts:
        coords = np.asarray(part.coords, dtype=np.intp)
        counts = np.asarray(part.data, dtype=np.float64)
        at_position = np.ravel_multi_index(tuple(coords[:nav_ndim]), nav_shape)
        at_channel = np.ravel_multi_index(tuple(coords[nav_ndim:]), sig_shape)
        nav_total += np.bincount(at_channel, counts, minlength=sig_size)
        inside = counts if mask is None else counts * mask.ravel()[at_channel]
        sig_total += np.bincount(at_position, inside, minlength=nav_size)
    return nav_total.reshape(sig_shape), sig_total.reshape(nav_shape)


def blockwise_sums(
    data: Any, nav_ndim: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(sum over navigation, sum over signal [within mask])`` in one pass, block by block.

    Memory stays at a few blocks whatever the array size; each block is read once for both
    sums (dask would otherwise keep blocks shared by two reductions in memory). Arrays of
    events are summed from their events.
    """
    shape = tuple(int(n) for n in data.shape)
    events = event_arrays(data)
    if events is not None and nav_ndim:
        return _event_sums(events, shape, nav_ndim, mask)
    nav_total = np.zeros(shape[nav_ndim:], dtype=np.float64)
    sig_total = np.zeros(shape[:nav_ndim], dtype=np.float64)
    nav_axes = tuple(range(nav_ndim))
    for index, block in _read_blocks(data, nav_ndim):
        nav_index, sig_index = index[:nav_ndim], index[nav_ndim:]
        nav_total[sig_index] += block.sum(axis=nav_axes, dtype=np.float64)
        part = block if mask is None else block[..., mask[sig_index]]
        flat = part.reshape(*part.shape[:nav_ndim], -1)
        sig_total[nav_index] += flat.sum(axis=-1, dtype=np.float64)
    return nav_total, sig_total


def middle_block(data: Any, nav_ndim: int) -> np.ndarray:
    """The navigation block in the middle of the data (for quick estimates)."""
    shape = tuple(int(n) for n in data.shape)
    chunks = data.chunks[:nav_ndim] if is_lazy(data) and hasattr(data, "chunks") else None
    blocks = nav_blocks(shape, nav_ndim, np.dtype(data.dtype).itemsize, chunks)
    return read_block(data, blocks[len(blocks) // 2])
