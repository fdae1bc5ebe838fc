"""Group instrument files that belong together.

TIA ``.emi`` + ``_N.ser``, Ripple ``.rpl`` + ``.raw``.

Extensions are compared case-insensitively; stems exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_TIA_SER = re.compile(r"^(?P<stem>.+)_(?P<n>\d+)\.ser$", re.IGNORECASE)


@dataclass(frozen=True)
class FileGroup:
    """One logical instrument file: the file a reader is given plus the files it reads with it."""

    primary: Path
    companions: tuple[Path, ...] = field(default=())

    @property
    def paths(self) -> tuple[Path, ...]:
        """The primary followed by its companions."""
        return (self.primary, *self.companions)


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    return (stem, ext.lower()) if dot else (name, "")


def primary_name_for(name: str) -> str | None:
    """Name of the primary file that the companion ``name`` belongs to, or ``None``.

    ``"x_2.ser"`` -> ``"x.emi"``, ``"a.raw"`` -> ``"a.rpl"``. A ``.ser`` may also stand alone;
    the caller decides (see :func:`group_files`) whether the primary exists.
    """
    match = _TIA_SER.match(name)
    if match:
        return f"{match.group('stem')}.emi"
    stem, ext = _split(name)
    if ext == "raw" and stem:
        return f"{stem}.rpl"
    return None


def is_companion_of(name: str, primary_name: str) -> bool:
    """True when ``name`` is a companion data file of ``primary_name``.

    E.g. ``x_1.ser`` of ``x.emi``, ``a.raw`` of ``a.rpl``.
    """
    expected = primary_name_for(name)
    if expected is None:
        return False
    e_stem, e_ext = _split(expected)
    p_stem, p_ext = _split(primary_name)
    return e_stem == p_stem and e_ext == p_ext


def companion_patterns(primary: Path | str) -> list[str]:
    """Glob patterns (relative to the primary's folder) that match its companions.

    ``"x.emi"`` -> ``["x_*.ser", "x_*.SER"]``; ``"a.rpl"`` -> ``["a.raw", "a.RAW"]``;
    otherwise ``[]``.
    Candidates must still be confirmed with :func:`is_companion_of`.
    """
    name = Path(primary).name
    stem, ext = _split(name)
    escaped = re.sub(r"([\[\]*?])", r"[\1]", stem)
    if ext == "emi":
        return [f"{escaped}_*.ser", f"{escaped}_*.SER"]
    if ext == "rpl":
        return [f"{escaped}.raw", f"{escaped}.RAW"]
    return []


def _companion_sort_key(path: Path) -> tuple[int, str]:
    match = _TIA_SER.match(path.name)
    return (int(match.group("n")) if match else 0, path.name)


def find_companions(primary: Path) -> tuple[Path, ...]:
    """Companions of ``primary`` that exist on disk next to it."""
    found: set[Path] = set()
    for pattern in companion_patterns(primary):
        for candidate in primary.parent.glob(pattern):
            if candidate.is_file() and is_companion_of(candidate.name, primary.name):
                found.add(candidate)
    return tuple(sorted(found, key=_companion_sort_key))


def group_for_path(path: Path) -> FileGroup:
    """The group a single path stands for, completed with companions found on disk.

    A companion given alone (``x_1.ser``) whose primary exists on disk is grouped under it;
    a lone ``.ser`` without its ``.emi`` is a group of its own.
    """
    path = Path(path)
    primary_name = primary_name_for(path.name)
    if primary_name is not None:
        for candidate in _case_variants(path.parent, primary_name):
            if candidate.is_file():
                return FileGroup(candidate, find_companions(candidate))
        return FileGroup(path, ())
    return FileGroup(path, find_companions(path))


def _case_variants(folder: Path, name: str) -> list[Path]:
    stem, ext = _split(name)
    return [folder / f"{stem}.{ext}", folder / f"{stem}.{ext.upper()}"]


def group_files(paths: Iterable[Path]) -> list[FileGroup]:
    """Group companions among ``paths``; every input appears in exactly one group.

    Groups are ordered by the first appearance of any of their members; companions are ordered
    by their series number (``_1.ser``, ``_2.ser``…). Only the given paths are considered.
    """
    items = [Path(p) for p in paths]
    seen: set[Path] = set()
    unique = []
    for p in items:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    by_key: dict[tuple[Path, str, str], Path] = {}
    for p in unique:
        stem, ext = _split(p.name)
        by_key[(p.parent, stem, ext)] = p
    owner: dict[Path, Path] = {}
    for p in unique:
        primary_name = primary_name_for(p.name)
        if primary_name is None:
            continue
        stem, ext = _split(primary_name)
        primary = by_key.get((p.parent, stem, ext))
        if primary is not None and primary != p:
            owner[p] = primary
    members: dict[Path, list[Path]] = {}
    order: list[Path] = []
    for p in unique:
        primary = owner.get(p, p)
        if primary not in members:
            members[primary] = []
            order.append(primary)
        if primary != p:
            members[primary].append(p)
    return [
        FileGroup(primary, tuple(sorted(members[primary], key=_companion_sort_key)))
        for primary in order
    ]
