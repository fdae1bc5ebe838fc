"""Choose RosettaSciIO readers for a file from its extension (case-insensitive) and its content.

Several readers claim the same extension (``.h5``: Delmic, Arina, Tofwerk, USID; ``.img``:
JEOL and Hamamatsu; ``.csv``: Impulse and Protochips; ``.xml``: Jobin Yvon and EMPAD), and
HyperSpy then stops with "multiple readers could read the file". A person would look inside:
the signature at the start of the file, the first line of a log, the root of an XML file, the
group names of an HDF5 file. :func:`inspect` does the same and :func:`candidate_readers` puts
the readers the content names first, the others after them.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .declared import hdf5_declared

__all__ = [
    "Content",
    "candidate_readers",
    "format_family",
    "format_name",
    "has_signature",
    "inspect",
    "plugin_by_name",
    "sniff",
]

_HDF5 = b"\x89HDF\r\n\x1a\n"
#: enough for the first line of a log file or the root element of an XML file
HEAD_BYTES = 4096
#: printable ASCII and tab, line feed, carriage return (deleted to count the rest)
_PRINTABLE = bytes([*range(32, 127), 9, 10, 13])


@dataclass(frozen=True)
class _Magic:
    signature: bytes
    offset: int
    readers: tuple[str, ...]
    looks_like: str


#: Signatures strong enough to name a format whatever the file is called.
_MAGIC: tuple[_Magic, ...] = (
    _Magic(b"II*\x00", 0, ("TIFF",), "a TIFF image"),
    _Magic(b"MM\x00*", 0, ("TIFF",), "a TIFF image"),
    _Magic(b"II+\x00", 0, ("TIFF",), "a BigTIFF image"),
    _Magic(b"MM\x00+", 0, ("TIFF",), "a BigTIFF image"),
    _Magic(b"\x00\x00\x00\x03", 0, ("DigitalMicrograph",), "a DigitalMicrograph 3 file"),
    _Magic(b"\x00\x00\x00\x04", 0, ("DigitalMicrograph",), "a DigitalMicrograph 4 file"),
    _Magic(b"II\x97\x01", 0, ("TIA",), "a TIA .ser data file"),
    _Magic(b"#FORMAT", 0, ("MSA",), "an EMSA/MSA spectrum"),
    _Magic(b"\x89PNG\r\n\x1a\n", 0, ("Image",), "a PNG picture"),
    _Magic(b"\xff\xd8\xff", 0, ("Image",), "a JPEG picture"),
    _Magic(b"GIF8", 0, ("Image",), "a GIF picture"),
    _Magic(b"\x93NUMPY", 0, ("numpy",), "a NumPy array"),
    _Magic(b"AAMVHFSS", 0, ("Bruker",), "a Bruker Esprit container"),
    _Magic(b"MAPSPECTRA_DATA", 0, ("EDAX",), "an EDAX spectrum image"),
    _Magic(b"IMGBLO", 0, ("Blockfile",), "an ASTAR blockfile"),
    _Magic(b"WDF1", 0, ("Renishaw",), "a Renishaw WiRE file"),
    _Magic(b"DIGITAL SURF", 0, ("DigitalSurf",), "a Digital Surf file"),
    _Magic(b"DSCOMPRESSED", 0, ("DigitalSurf",), "a Digital Surf file"),
    _Magic(b"MQ1", 0, ("QuantumDetector",), "a Quantum Detectors Merlin file"),
    _Magic(b"CDF\x01", 0, ("netCDF",), "a netCDF file"),
    _Magic(b"CDF\x02", 0, ("netCDF",), "a netCDF file"),
    _Magic(b"MAP ", 208, ("MRC", "MRCZ"), "an MRC file"),
    _Magic(b"PK\x03\x04", 0, (), "a ZIP archive"),
)


def _img_readers(head: bytes) -> list[str]:
    """JEOL ``.img`` files start with the number 52 (little-endian), Hamamatsu ITEX ``.img``
    files with the letters ``IM``."""
    if head[:2] == b"IM":
        return ["Hamamatsu"]
    if len(head) >= 4 and struct.unpack("<I", head[:4])[0] == 52:
        return ["JEOL"]
    return []


def _csv_readers(head: bytes) -> list[str]:
    """Impulse logs name a ``TimeStamp`` column, Protochips logs ``Time`` and ``Notes``."""
    first = head.split(b"\n", 1)[0].decode("latin-1")
    columns = [c.strip() for c in first.split(",")]
    if "TimeStamp" in columns:
        return ["Impulse"]
    if "Time" in columns and "Notes" in columns:
        return ["Protochips"]
    return []


def _xml_readers(head: bytes) -> list[str]:
    """Jobin Yvon LabSpec files are ``LSX`` trees; EMPAD files name their ``raw_file``."""
    if b"<LSX" in head:
        return ["JobinYvon"]
    if b"raw_file" in head:
        return ["EMPAD"]
    return []


def _zip_readers(head: bytes) -> list[str]:
    """A ZIP archive holding Zarr metadata is a HyperSpy ZipStore; PantaRhei ``.prz`` files
    hold NumPy arrays."""
    if b".zgroup" in head or b".zattrs" in head or b".zarray" in head:
        return ["ZSPY"]
    if b".npy" in head:
        return ["PantaRhei"]
    return []


#: Content tests for extensions that several readers claim (or that say nothing).
_BY_EXTENSION: dict[str, Callable[[bytes], list[str]]] = {
    "img": _img_readers,
    "csv": _csv_readers,
    "xml": _xml_readers,
    "zspy": _zip_readers,
    "prz": _zip_readers,
}


def _velox_version(handle: Any) -> bool:
    try:
        version = json.loads(bytes(handle["Version"][0]).decode("utf-8"))
    except (KeyError, ValueError, TypeError, IndexError, OSError):
        return False
    return isinstance(version, dict) and version.get("format") in ("Velox", "DevelopersKit")


def _hdf5_readers(handle: Any, path: Path) -> list[str]:
    """Readers named by the groups and attributes of an open HDF5 file (HyperSpy's own, Velox
    and Berkeley/py4DSTEM EMD, Delmic, Dectris Arina, Tofwerk, NeXus, USID)."""
    import h5py  # see _hdf5

    attrs = handle.attrs
    keys = list(handle.keys())
    if attrs.get("file_format") in ("HyperSpy", b"HyperSpy") or "Experiments" in keys:
        return ["HSPY"]
    if "Version" in keys and _velox_version(handle):
        return ["EMD"]
    groups = [handle[k] for k in keys if isinstance(handle.get(k), h5py.Group)]
    if "version_major" in attrs or any(
        "version_major" in g.attrs or "emd_group_type" in g.attrs for g in groups
    ):
        return ["EMD"]
    if "TofDAQ Version" in attrs:
        return ["Tofwerk"]
    if any(re.fullmatch(r"Acquisition\d+", k) and "ImageData" in handle[k] for k in keys):
        return ["Delmic"]
    if "entry" in keys and isinstance(handle.get("entry/data"), h5py.Group):
        master = path.name.lower().endswith("_master.h5")
        return ["Arina", "NeXus"] if master else ["NeXus", "Arina"]
    if "NX_class" in attrs or any("NX_class" in g.attrs for g in groups):
        return ["NeXus"]
    if any(k.startswith("Measurement_") for k in keys):
        return ["USID"]
    return []


def _hdf5(path: Path, content: Content) -> Content:
    """The readers an HDF5 file names and the bytes its datasets declare, from one opening."""
    # h5py is imported here, not at the top: ``import extraction`` (the LIMS web process,
    # grouping only) must not pay for it; the readers need it anyway when a file is read
    import h5py

    # one reader claims the extension (.emd, .hspy): what the groups say would change nothing
    settled = len(_tables()[1].get(path.suffix[1:].lower(), [])) == 1
    try:
        with h5py.File(path, "r") as handle:
            readers = [] if settled else _hdf5_readers(handle, path)
            declared = hdf5_declared(handle, path.stat().st_size)
    except (OSError, ValueError, KeyError, TypeError):
        return content
    return replace(content, readers=readers, declared=declared)


@dataclass(frozen=True)
class Content:
    """What the first bytes of a file say: ``kind`` (``empty``, ``hdf5``, ``magic``,
    ``text``, ``binary``, ``folder``, or ``None`` when it cannot be opened), the readers the
    content names (best first), a few words for messages (``"a TIFF image"``) and, for HDF5
    files, the bytes their datasets declare."""

    head: bytes
    kind: str | None
    readers: list[str] = field(default_factory=list)
    looks_like: str | None = None
    #: bytes an HDF5 file's datasets declare (see :mod:`extraction.declared`)
    declared: int | None = None


def inspect(path: Path) -> Content:
    """Look at the start of ``path`` (and inside HDF5 files) to see what format it is."""
    if path.is_dir():
        return Content(b"", "folder", ["ZSPY"] if path.suffix.lower() == ".zspy" else [])
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return Content(b"", None)
    ext = path.suffix[1:].lower()
    if not head:
        return Content(head, "empty", looks_like="empty")
    if head.startswith(_HDF5):
        return _hdf5(path, Content(head, "hdf5", [], "an HDF5 file"))
    by_extension = _BY_EXTENSION.get(ext)
    readers = by_extension(head) if by_extension else []
    for magic in _MAGIC:
        if head[magic.offset : magic.offset + len(magic.signature)] == magic.signature:
            if not readers and magic.signature == b"PK\x03\x04":
                readers = _zip_readers(head)
            return Content(head, "magic", readers or list(magic.readers), magic.looks_like)
    if not head.strip(b"\x00"):
        return Content(head, "binary", readers, "zeros only")
    printable = len(head) - len(head.translate(None, _PRINTABLE))
    if printable / len(head) > 0.95:
        return Content(head, "text", readers, "text")
    return Content(head, "binary", readers, "binary data of an unknown kind")


def sniff(path: Path) -> tuple[bytes, str | None]:
    """First bytes of ``path`` and a short description of what they look like."""
    content = inspect(path)
    return content.head, content.kind


def _plugins() -> list[dict[str, Any]]:
    from rsciio import IO_PLUGINS

    return list(IO_PLUGINS)


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Plugins by lower-case name and alias, and plugin names by lower-case extension (in
    RosettaSciIO's order), built once: the plugin list does not change while running."""
    by_name: dict[str, dict[str, Any]] = {}
    by_ext: dict[str, list[str]] = {}
    for plugin in _plugins():  # the first plugin with the name or alias wins, as before
        for name in [plugin["name"], *plugin.get("name_aliases", [])]:
            by_name.setdefault(name.lower(), plugin)
        for ext in {e.lower() for e in plugin["file_extensions"]}:
            if plugin["name"] not in by_ext.setdefault(ext, []):
                by_ext[ext].append(plugin["name"])
    return by_name, by_ext


def plugin_by_name(name: str) -> dict[str, Any] | None:
    """The RosettaSciIO plugin description called ``name`` (case-insensitive), or ``None``."""
    return _tables()[0].get(name.lower())


#: Readers to try on an HDF5 file whose extension names none: the EMD reader reads Berkeley,
#: Velox and py4DSTEM files, which are often called ``.h5``.
_HDF5_FALLBACK = ["EMD", "HSPY", "NeXus"]
#: The plain reader before its compressed variant for ``.mrc`` files.
_PREFERRED = {"mrc": ["MRC", "MRCZ"]}


def candidate_readers(path: Path, content: Content | None = None) -> list[str]:
    """RosettaSciIO plugin names worth trying on ``path``, best first; empty when none fits.

    Readers the content names come first, then the others that claim the extension (and for
    HDF5 files, the EMD reader), then what the content names when the extension disagrees
    with it (a TIFF saved as ``.dat``).
    """
    content = content or inspect(path)
    if content.kind == "folder":
        return list(content.readers)
    ext = path.suffix[1:].lower()
    by_ext = _PREFERRED.get(ext) or _tables()[1].get(ext, [])
    ordered: list[str] = []
    agreeing = [r for r in content.readers if r in by_ext or content.kind == "hdf5"]
    fallbacks = _HDF5_FALLBACK if content.kind == "hdf5" else []
    for name in [*agreeing, *by_ext, *fallbacks, *content.readers]:
        if name not in ordered and plugin_by_name(name) is not None:
            ordered.append(name)
    return ordered


#: A few words for each reader's format, for messages ("not a DigitalMicrograph file").
_FORMAT_NAMES = {
    "DigitalMicrograph": "Gatan DigitalMicrograph",
    "TIA": "FEI TIA",
    "EMD": "EMD (Velox or Berkeley)",
    "HSPY": "HyperSpy HDF5",
    "ZSPY": "HyperSpy Zarr",
    "MSA": "EMSA/MSA spectrum",
    "Image": "picture",
    "JEOL": "JEOL Analysis Station",
    "Bruker": "Bruker Esprit",
    "EDAX": "EDAX",
    "Delmic": "Delmic HDF5",
    "Hamamatsu": "Hamamatsu ITEX",
    "Phenom": "Phenom ELID",
    "MRC": "MRC",
    "Ripple": "Ripple (.rpl/.raw)",
}


#: Extensions whose files always begin with a signature :func:`inspect` knows: a file so
#: named whose first bytes are plain text or unknown binary data is not that format.
_SIGNED_EXTENSIONS = {
    "dm3", "dm4", "tif", "tiff", "ser", "msa", "ems", "emsa", "png", "jpg", "jpeg", "gif",
    "emd", "hspy", "h5", "hdf5", "nxs", "bcf", "spd", "wdf", "sur", "pro", "mib", "npy",
    "blo", "mrc",
}  # fmt: skip


def has_signature(path: Path) -> bool:
    """True when files named like ``path`` always start with a signature :func:`inspect`
    recognizes (so that a file without it is not what its name says)."""
    return path.suffix[1:].lower() in _SIGNED_EXTENSIONS


def format_name(reader: str) -> str:
    """Readable name of a reader's format (``'Gatan DigitalMicrograph'``)."""
    return _FORMAT_NAMES.get(reader, reader)


def format_family(reader: str | None, path: Path) -> str:
    """Default ``<family>/<variant>`` label for a reader; vendor modules refine it."""
    ext = path.suffix[1:].lower() or "none"
    if reader is None:
        return f"unknown/{ext}"
    return f"{reader.lower()}/{ext}"
