"""Choose RosettaSciIO readers for a file from its extension (case-insensitive) and its content."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

_HDF5 = b"\x89HDF\r\n\x1a\n"
#: printable ASCII and tab, line feed, carriage return (deleted to count the rest)
_PRINTABLE = bytes([*range(32, 127), 9, 10, 13])
#: readers to try first when a file's content says what it is
_MAGIC_READERS: list[tuple[bytes, int, list[str]]] = [
    (b"II*\x00", 0, ["TIFF"]),
    (b"MM\x00*", 0, ["TIFF"]),
    (b"II+\x00", 0, ["TIFF"]),
    (b"MM\x00+", 0, ["TIFF"]),
    (b"\x00\x00\x00\x03", 0, ["DigitalMicrograph"]),
    (b"\x00\x00\x00\x04", 0, ["DigitalMicrograph"]),
    (b"II\x97\x01", 0, ["TIA"]),
    (b"#FORMAT", 0, ["MSA"]),
    (b"\x89PNG", 0, ["Image"]),
    (b"\xff\xd8\xff", 0, ["Image"]),
    (b"\x93NUMPY", 0, ["numpy"]),
]
_HDF5_BY_EXT = {
    "emd": ["EMD"],
    "hspy": ["HSPY"],
    "hdf5": ["HSPY", "USID", "Delmic"],
    "h5": ["HSPY", "Arina", "Delmic", "Tofwerk", "USID", "EMD"],
    "nxs": ["NeXus"],
    "de5": ["EMD"],
}


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
            by_ext.setdefault(ext, []).append(plugin["name"])
    return by_name, by_ext


def plugin_by_name(name: str) -> dict[str, Any] | None:
    """The RosettaSciIO plugin description called ``name`` (case-insensitive), or ``None``."""
    return _tables()[0].get(name.lower())


def sniff(path: Path) -> tuple[bytes, str | None]:
    """First bytes of ``path`` and a short description of what they look like."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return b"", None
    if not head:
        return head, "empty"
    if head.startswith(_HDF5):
        return head, "hdf5"
    for magic, offset, _readers in _MAGIC_READERS:
        if head[offset : offset + len(magic)] == magic:
            return head, "magic"
    printable = len(head) - len(head.translate(None, _PRINTABLE))
    if printable / len(head) > 0.95:
        return head, "text"
    return head, "binary"


def candidate_readers(path: Path) -> list[str]:
    """RosettaSciIO plugin names worth trying on ``path``, best first; empty when none fits.

    The extension decides among readers; the content breaks ties (HDF5 ``.h5`` files, several
    readers per extension) and rescues files with a wrong or missing extension.
    """
    ext = path.suffix[1:].lower()
    head, kind = sniff(path)
    if path.is_dir():
        return ["ZSPY"] if ext == "zspy" else []
    by_ext = _tables()[1].get(ext, [])
    by_content: list[str] = []
    if kind == "hdf5":
        by_content = _HDF5_BY_EXT.get(ext, ["HSPY", "EMD", "NeXus", "USID", "Delmic", "Arina"])
    elif kind == "magic":
        for magic, offset, readers in _MAGIC_READERS:
            if head[offset : offset + len(magic)] == magic:
                by_content = readers
                break
    ordered: list[str] = []
    # content first when it agrees with the extension or the extension is unknown
    preferred = [r for r in by_content if r in by_ext] or ([] if by_ext else by_content)
    for name in [*preferred, *by_ext]:
        if name not in ordered:
            ordered.append(name)
    return ordered


def format_family(reader: str | None, path: Path) -> str:
    """Default ``<family>/<variant>`` label for a reader; vendor modules refine it."""
    ext = path.suffix[1:].lower() or "none"
    if reader is None:
        return f"unknown/{ext}"
    return f"{reader.lower()}/{ext}"
