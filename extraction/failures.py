"""Clear words for a file that could not be read.

A reader's exception (``struct.error: unpack requires a buffer of 1 bytes``) means nothing to
a microscopist; what it means for the file does: it ends early, it is not the format its name
says, its image data are damaged, a companion is missing. :func:`explain` turns what the
readers raised, the file's own headers and its first bytes into one sentence, and keeps the
readers' messages as the technical detail after it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from .detect import Content, format_name, has_signature

__all__ = ["Attempt", "Diagnosis", "declared_file_size", "explain", "size_text"]


@dataclass(frozen=True)
class Attempt:
    """One reader tried on the file and what it raised (``error`` is ``'Type: message'``)."""

    reader: str
    error: str
    exception: type[BaseException] | None = None


#: words in readers' messages that mean the data stopped before the header said it would
_SHORT = (
    "unpack requires a buffer",
    "truncated",
    "end of file",
    "eof",
    "buffer is smaller than requested",
    "cannot reshape array of size",
    "read less than",
    "not enough data",
)
#: words that mean the data are there but make no sense
_DAMAGED = ("corrupt", "cannot be reshaped", "checksum", "decompress", "invalid block")


def size_text(size: float) -> str:
    """``'96 KB'``, ``'1.2 MB'``: a size in words (1 KB = 1024 bytes)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{int(size)} bytes"


def _part_of(part: int, whole: int) -> str:
    """``'96 of 412 KB'``: both sizes in the unit of the whole."""
    whole_text = size_text(whole)
    value, unit = whole_text.split(" ")
    factor = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}.get(unit)
    if factor is None:
        return f"{part} of {whole} bytes"
    decimals = len(value.partition(".")[2])
    return f"{part / factor:.{decimals}f} of {whole_text}"


def _hdf5_end(head: bytes) -> int | None:
    """End-of-file address from an HDF5 superblock (versions 0 to 3)."""
    if len(head) < 48:
        return None
    version = head[8]
    if version in (0, 1):
        offsets = head[13]
        position = 24 + (4 if version == 1 else 0) + 2 * offsets
    elif version in (2, 3):
        offsets = head[9]
        position = 12 + 2 * offsets
    else:
        return None
    if offsets not in (4, 8) or len(head) < position + offsets:
        return None
    return int.from_bytes(head[position : position + offsets], "little")


def declared_file_size(content: Content) -> int | None:
    """The length a file says it has in its header (DigitalMicrograph 3/4, HDF5), if any."""
    head = content.head
    if head[:4] == b"\x00\x00\x00\x03" and len(head) >= 8:
        return int(struct.unpack(">I", head[4:8])[0]) + 16
    if head[:4] == b"\x00\x00\x00\x04" and len(head) >= 12:
        return int(struct.unpack(">Q", head[4:12])[0]) + 24
    if content.kind == "hdf5":
        return _hdf5_end(head)
    return None


def _article(name: str) -> str:
    """``'an'`` before a vowel sound (``an EMD``, ``an FEI TIA``, ``an MRC``), else ``'a'``."""
    word = name.split()[0].split("/")[0]
    spelled = len(word) > 1 and word.isupper()  # an acronym, read letter by letter
    return "an" if word[0] in ("AEFHILMNORSX" if spelled else "AEIOU") else "a"


def _any(words: tuple[str, ...], attempts: list[Attempt]) -> bool:
    return any(w in a.error.lower() for a in attempts for w in words)


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a file no reader could read: ``cause`` (``short``: it ends early;
    ``impostor``: not the format its name says; ``memory``, ``codec``, ``damaged``,
    ``companion``: its companions are missing; ``unknown``) and the message."""

    cause: str
    message: str

    @property
    def could_hold_metadata(self) -> bool:
        """Whether the file may still hold readable metadata (it is whole and what it
        claims to be)."""
        return self.cause in ("damaged", "unknown")


def _sentence(
    path: Path, content: Content, size: int, attempts: list[Attempt], hint: str
) -> tuple[str, str]:
    expected = declared_file_size(content)
    if expected and size < expected:
        return "short", f"the file ends early: {_part_of(size, expected)} present"
    claimed = attempts[0].reader if attempts else None
    if (
        claimed
        and has_signature(path)
        and content.kind in ("text", "binary")
        and not content.readers
        and content.looks_like
    ):
        name = format_name(claimed)
        return "impostor", f"it is not {_article(name)} {name} file: it holds {content.looks_like}"
    if any(a.exception is MemoryError for a in attempts):
        return "memory", "it is too large to read within the memory this extraction may use"
    if _any(("requires the", "no module named"), attempts):
        return "codec", "its data are compressed in a way this installation cannot decode"
    if _any(_SHORT, attempts):
        return (
            "short",
            "the file ends early or is damaged: it holds less data than its header announces",
        )
    if _any(_DAMAGED, attempts):
        return "damaged", "its data are damaged"
    if hint:
        return "companion", hint
    what = format_name(claimed) if claimed else "known"
    return "unknown", f"no {what} reader could make sense of it"


def explain(
    path: Path,
    content: Content,
    size: int,
    attempts: list[Attempt],
    hint: str = "",
) -> Diagnosis:
    """What is wrong with a file no reader could read: the message is one sentence in a
    microscopist's words (the ``hint``, a missing companion, when nothing more precise is
    known), then the readers' own messages."""
    cause, sentence = _sentence(path, content, size, attempts, hint)
    detail = "; ".join(f"{a.reader} reader: {a.error}" for a in attempts)
    message = f"Could not read '{path.name}': {sentence}."
    if detail:
        message += f" Technical detail: {detail}."
    return Diagnosis(cause, message)
