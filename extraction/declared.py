"""How many bytes of data a file declares, read from its own headers where that is cheap.

The size on disk says little about memory for compressed or event-stream formats: an HDF5
dataset of zeros compresses a thousandfold, and an EDS spectrum image stored as a stream of
X-ray events (Velox ``SpectrumStream``) becomes a dense cube of scan pixels times channels when
read. :func:`declared_bytes` reads what the reader will build from the headers alone (HDF5
dataset shapes and Velox stream settings, Zarr array metadata, TIFF page headers) so that
:mod:`extraction.read` can choose an eager or a lazy read before reading anything.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["HDF5_READERS", "STREAMED", "declared_bytes", "hdf5_declared"]

#: Readers whose files are HDF5 (their datasets' shapes say what the reader builds).
HDF5_READERS = {"EMD", "HSPY", "NeXus", "USID", "Delmic", "Arina", "Tofwerk"}
#: TIFFs smaller than this cannot expand beyond a few hundred MB (deflate's ratio is at most
#: about 1000:1); their page headers are not parsed only to learn that.
TIFF_PROBE_MIN_BYTES = 128 * 1024
#: Files whose data are stored as X-ray events, expanding without bound into a cube when
#: read (JEOL Analysis Station ``.pts`` spectrum images, and ``.asw`` projects that hold
#: them): they declare nothing cheaply.
STREAMED = {("JEOL", "pts"), ("JEOL", "asw")}
#: the widest count a Bruker hypermap's pixels are unpacked to
_BRUKER_ITEMSIZE = 4


def _nbytes(shape: Any, dtype: Any) -> int:
    try:
        return int(np.prod([int(n) for n in shape], dtype=np.int64)) * np.dtype(dtype).itemsize
    except (TypeError, ValueError):
        return 0


def _velox_cube(handle: Any) -> int:
    """Bytes of the dense spectrum image a Velox ``SpectrumStream`` becomes: scan pixels (the
    shape of the file's images, as the reader takes it) times channels times the size of the
    stream encoding; the streams of several detectors are summed into one cube."""
    import h5py  # see hdf5_declared

    data = handle["Data"]
    if "SpectrumStream" not in data or "Image" not in data:
        return 0
    streams, images = data["SpectrumStream"], data["Image"]
    first = next(iter(streams), None)
    if first is None:
        return 0
    pixels = 0
    for name in images:  # the low-level API: a high-level lookup costs a third of a ms here
        try:
            shape = h5py.h5d.open(handle.id, f"Data/Image/{name}/Data".encode()).shape
        except KeyError:
            continue
        pixels = max(pixels, int(np.prod(shape[:2])))
    try:
        settings = json.loads(
            bytes(streams[first]["AcquisitionSettings"][0]).decode().rstrip("\x00")
        )
        channels = int(settings["bincount"])
        itemsize = np.dtype(settings.get("StreamEncoding", "uint16")).itemsize
    except (KeyError, ValueError, TypeError):
        return 0
    return pixels * channels * itemsize


def hdf5_declared(handle: Any, size: int) -> int:
    """Bytes the datasets of an open HDF5 file (``size`` bytes on disk) declare, Velox
    spectrum streams counted as the cube they become."""
    # h5py is imported here: ``import extraction`` (the LIMS web process) must not load it
    import h5py

    if "Version" in handle and "Data" in handle:
        # Velox stores its datasets uncompressed (the file size bounds them) and has hundreds
        # of small metadata datasets that are slow to visit one by one
        return size + _velox_cube(handle)
    # the low-level API: a visit that builds no Group or Dataset objects costs a third
    numeric = {
        h5py.h5t.INTEGER,
        h5py.h5t.FLOAT,
        h5py.h5t.COMPOUND,
        h5py.h5t.ARRAY,
        h5py.h5t.BITFIELD,
        h5py.h5t.OPAQUE,
        h5py.h5t.ENUM,
    }
    datasets: list[bytes] = []

    def add(name: bytes, info: Any) -> None:
        if info.type == h5py.h5o.TYPE_DATASET:
            datasets.append(name)

    h5py.h5o.visit(handle.id, add, info=True)
    total = 0
    for name in datasets:
        dataset = h5py.h5d.open(handle.id, name)
        kind = dataset.get_type()
        if kind.get_class() in numeric:
            dims = dataset.get_space().get_simple_extent_dims()
            total += int(np.prod(dims, dtype=np.int64)) * kind.get_size()
    return total


def _hdf5(path: Path, size: int) -> int | None:
    import h5py  # see hdf5_declared

    try:
        with h5py.File(path, "r") as handle:
            return hdf5_declared(handle, size)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _zarr_arrays(path: Path) -> list[dict[str, Any]]:
    """The ``.zarray`` documents of a Zarr store (a ZipStore file or a DirectoryStore)."""
    documents = []
    if path.is_dir():
        for meta in path.rglob(".zarray"):
            documents.append(json.loads(meta.read_text(encoding="utf-8")))
    else:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".zarray"):
                    documents.append(json.loads(archive.read(name)))
    return documents


def _zarr(path: Path) -> int | None:
    try:
        arrays = _zarr_arrays(path)
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    return sum(_nbytes(a.get("shape", ()), a.get("dtype", "u1")) for a in arrays)


def _tiff(path: Path, size: int) -> int | None:
    if size < TIFF_PROBE_MIN_BYTES:
        return size
    # tifffile is imported here for the same reason as h5py above
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            return sum(_nbytes(page.shape, page.dtype) for page in tiff.pages)
    except Exception:  # a damaged TIFF: the reader will say what is wrong
        return None


def _bruker(path: Path) -> int | None:
    """An upper bound of a Bruker ``.bcf`` hypermap's cube: the size of the map's images in
    its header times its channel count times four-byte counts (the reader may choose less)."""
    # the container reader of the Bruker plug-in: the header is 0.4 ms away, where parsing
    # it as the reader does costs ten times more
    from rsciio.bruker._api import SFS_reader

    try:
        header = SFS_reader(str(path)).get_file("EDSDatabase/HeaderData")
        text = header.get_as_BytesIO_string().getvalue()
    except Exception:  # not a container the plug-in can open: the reader will say why
        return None

    def largest(*tags: str) -> int:
        found = [int(v) for t in tags for v in re.findall(rb"<%s>(\d+)<" % t.encode(), text)]
        return max(found, default=0)

    pixels = largest("Width") * largest("Height")  # of the map images (not the scan frame)
    return pixels * largest("ChCount", "ChannelCount") * _BRUKER_ITEMSIZE or None


def declared_bytes(path: Path, reader: str, size: int, hdf5_bytes: int | None = None) -> int | None:
    """Bytes of data ``reader`` will build from ``path`` (``size`` bytes on disk), from the
    file's headers; ``None`` when the format does not say cheaply (event streams such as
    JEOL ``.pts``). ``hdf5_bytes`` is what :func:`hdf5_declared` found when the file was
    already opened to see what it is."""
    if reader in HDF5_READERS:
        return hdf5_bytes if hdf5_bytes is not None else _hdf5(path, size)
    if reader == "ZSPY":
        return _zarr(path)
    if reader == "TIFF":
        return _tiff(path, size)
    extension = path.suffix[1:].lower()
    if reader == "Bruker" and extension == "bcf":
        return _bruker(path)
    if (reader, extension) in STREAMED:
        return None
    return size
