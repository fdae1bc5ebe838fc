"""Group instrument files that belong together: one logical file per group.

A reader is given one file (the *primary*) and reads the others itself, found by name next to
it. :data:`RULES` says, per format, which names are such companions: TIA ``x_1.ser`` of
``x.emi``, Ripple ``a.raw`` of ``a.rpl``, a Quantum Detectors ``.hdr`` beside its ``.mib``,
EDAX ``.ipr``/``.spc`` beside a ``.spd``, a Direct Electron ``…_info.txt`` beside its
``…_movie.mrc``, the numbered parts of a TVIPS series, the metadata log of a DENSsolutions
Impulse ``.csv``. Two folder rules follow the same idea: a JEOL Analysis Station project is
its ``Sample.ASW`` with everything in the ``Sample/`` folder beside it, and a Zarr
DirectoryStore ``x.zspy`` folder is one file.

Extensions are compared case-insensitively; stems exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "RULES",
    "CompanionRule",
    "FileGroup",
    "companion_patterns",
    "companion_rule_for",
    "find_companions",
    "group_files",
    "group_for_path",
    "is_companion_of",
    "primary_name_for",
    "walk",
]


@dataclass(frozen=True)
class FileGroup:
    """One logical instrument file: the file a reader is given plus the files it reads with it."""

    primary: Path
    companions: tuple[Path, ...] = field(default=())

    @property
    def paths(self) -> tuple[Path, ...]:
        """The primary followed by its companions."""
        return (self.primary, *self.companions)


@dataclass(frozen=True)
class CompanionRule:
    """Files that a format's reader reads together with its primary, named after it.

    ``primary`` and ``companion`` are patterns for whole names with a ``stem`` group: a
    companion belongs to the primary in the same folder with the same stem. ``globs`` find
    the companions of a primary on disk (``{stem}`` is replaced). ``primary_name`` builds the
    primary's name from a companion's stem when the name is fixed by the format; ``None`` when
    only the pattern is known (then only a listing of the folder can find it).
    ``standalone`` says whether a companion can be read alone when its primary is missing.
    """

    what: str
    primary: re.Pattern[str]
    companion: re.Pattern[str]
    globs: tuple[str, ...]
    primary_name: str | None
    standalone: bool = False


def _rule(
    what: str,
    primary: str,
    companion: str,
    globs: tuple[str, ...],
    primary_name: str | None,
    *,
    standalone: bool = False,
) -> CompanionRule:
    return CompanionRule(
        what,
        re.compile(f"^{primary}$", re.IGNORECASE),
        re.compile(f"^{companion}$", re.IGNORECASE),
        globs,
        primary_name,
        standalone,
    )


#: Companion rules, one per format family whose reader opens more than one file.
RULES: tuple[CompanionRule, ...] = (
    _rule(
        "the data series of a TIA .emi file",
        r"(?P<stem>.+)\.emi",
        r"(?P<stem>.+)_\d+\.ser",
        ("{stem}_*.ser",),
        "{stem}.emi",
        standalone=True,
    ),
    _rule(
        "the data of a Ripple .rpl file",
        r"(?P<stem>.+)\.rpl",
        r"(?P<stem>.+)\.raw",
        ("{stem}.raw",),
        "{stem}.rpl",
    ),
    _rule(
        "the header of a Quantum Detectors .mib file",
        r"(?P<stem>.+)\.mib",
        r"(?P<stem>.+)\.hdr",
        ("{stem}.hdr",),
        "{stem}.mib",
    ),
    _rule(
        "the calibration or spectrum of an EDAX .spd spectrum image",
        r"(?P<stem>.+)\.spd",
        r"(?P<stem>.+)\.(?:ipr|spc)",
        ("{stem}.ipr", "{stem}.spc"),
        "{stem}.spd",
        standalone=True,
    ),
    _rule(
        "the metadata of a Direct Electron movie",
        r"(?P<stem>\d{8}_\d+)(?:_.+?)?_movie\.mrc",
        r"(?P<stem>\d{8}_\d+)(?:_.+?)?_(?:info\.txt|scan_coordinates\.csv)",
        ("{stem}_*info.txt", "{stem}_*scan_coordinates.csv"),
        "{stem}_movie.mrc",
    ),
    _rule(
        "a further part of a TVIPS series",
        r"(?P<stem>.+)_000\.tvips",
        r"(?P<stem>.+)_(?!000)\d{3}\.tvips",
        ("{stem}_[0-9][0-9][0-9].tvips",),
        "{stem}_000.tvips",
    ),
    _rule(
        "the metadata of a DENSsolutions Impulse log",
        r"(?P<stem>.+)_[^_]+\.csv",
        r"(?P<stem>.+)_Metadata\.log",
        ("{stem}_Metadata.log",),
        None,
    ),
)
#: a JEOL Analysis Station project: ``Sample.ASW`` reads the views in the ``Sample/`` folder
_JEOL_PROJECT = "asw"
#: a Zarr DirectoryStore written by HyperSpy: the folder is the file
_ZARR_FOLDER = ".zspy"


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    return (stem, ext.lower()) if dot else (name, "")


def _companion_match(name: str) -> tuple[CompanionRule, str] | None:
    """The rule under which ``name`` is a companion, and its stem."""
    for rule in RULES:
        match = rule.companion.match(name)
        if match and not rule.primary.match(name):
            return rule, match.group("stem")
    return None


def companion_rule_for(name: str) -> CompanionRule | None:
    """The rule under which a file called ``name`` is another file's companion, or ``None``."""
    found = _companion_match(name)
    return found[0] if found else None


def primary_name_for(name: str) -> str | None:
    """Name of the primary file that the companion ``name`` belongs to, or ``None``.

    ``"x_2.ser"`` -> ``"x.emi"``, ``"a.raw"`` -> ``"a.rpl"``,
    ``"20241021_00405_info.txt"`` -> ``"20241021_00405_movie.mrc"``. ``None`` also when the
    format does not fix the primary's name (an Impulse ``_Metadata.log``). A companion may
    stand alone (a ``.ser``); the caller decides (see :func:`group_files`) whether the primary
    exists.
    """
    found = _companion_match(name)
    if found is None:
        return None
    rule, stem = found
    return rule.primary_name.format(stem=stem) if rule.primary_name else None


def is_companion_of(name: str, primary_name: str) -> bool:
    """True when ``name`` is a companion file of ``primary_name``.

    E.g. ``x_1.ser`` of ``x.emi``, ``a.raw`` of ``a.rpl``, ``a.hdr`` of ``a.mib``.
    """
    for rule in RULES:
        companion = rule.companion.match(name)
        primary = rule.primary.match(primary_name)
        if (
            companion
            and primary
            and not rule.primary.match(name)
            and companion.group("stem") == primary.group("stem")
        ):
            return True
    return False


def _escape_glob(text: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def companion_patterns(primary: Path | str) -> list[str]:
    """Glob patterns (relative to the primary's folder) that match its companions.

    ``"x.emi"`` -> ``["x_*.ser", "x_*.SER"]``; ``"a.rpl"`` -> ``["a.raw", "a.RAW"]``;
    ``[]`` for a file that has no companions. Candidates must still be confirmed with
    :func:`is_companion_of`.
    """
    name = Path(primary).name
    patterns: list[str] = []
    for rule in RULES:
        match = rule.primary.match(name)
        if not match:
            continue
        stem = _escape_glob(match.group("stem"))
        for glob in rule.globs:
            base, dot, ext = glob.rpartition(".")
            for variant in (glob, f"{base}{dot}{ext.upper()}"):
                pattern = variant.format(stem=stem)
                if pattern not in patterns:
                    patterns.append(pattern)
    return patterns


def _natural_key(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Order ``x_2.ser`` before ``x_10.ser``: numbers in names compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", path.as_posix())
        if part
    )


def _project_folder(primary: Path) -> Path | None:
    """The folder whose files a JEOL ``.ASW`` project reads, when ``primary`` is one."""
    stem, ext = _split(primary.name)
    return primary.parent / stem if ext == _JEOL_PROJECT else None


def find_companions(primary: Path) -> tuple[Path, ...]:
    """Companions of ``primary`` that exist on disk next to it (or in its project folder)."""
    found: set[Path] = set()
    for pattern in companion_patterns(primary):
        for candidate in primary.parent.glob(pattern):
            if candidate.is_file() and is_companion_of(candidate.name, primary.name):
                found.add(candidate)
    project = _project_folder(primary)
    if project is not None and project.is_dir():
        found.update(p for p in project.rglob("*") if p.is_file())
    return tuple(sorted(found, key=_natural_key))


def _zarr_folder(path: Path) -> Path | None:
    """The ``.zspy`` folder that ``path`` lies in (or is), if any."""
    for candidate in (path, *path.parents):
        if candidate.suffix.lower() == _ZARR_FOLDER and candidate != path:
            return candidate
    return None


def group_for_path(path: Path) -> FileGroup:
    """The group a single path stands for, completed with companions found on disk.

    A companion given alone (``x_1.ser``) whose primary exists on disk is grouped under it;
    a lone ``.ser`` without its ``.emi`` is a group of its own. A file inside a ``.zspy``
    folder stands for the folder, a file in a JEOL project folder for its ``.ASW``.
    """
    path = Path(path)
    folder = _zarr_folder(path)
    if folder is not None:
        return FileGroup(folder, ())
    for ancestor in path.parents:
        if not ancestor.name:
            break
        for project in _case_variants(ancestor.parent, f"{ancestor.name}.asw"):
            if project.is_file():
                return FileGroup(project, find_companions(project))
    found = _companion_match(path.name)
    if found is not None:
        rule, stem = found
        for candidate in sorted(path.parent.iterdir(), key=_natural_key):
            primary = rule.primary.match(candidate.name)
            if primary and primary.group("stem") == stem and candidate.is_file():
                return FileGroup(candidate, find_companions(candidate))
        return FileGroup(path, ())
    return FileGroup(path, find_companions(path))


def _case_variants(folder: Path, name: str) -> list[Path]:
    stem, ext = _split(name)
    return [folder / f"{stem}.{ext}", folder / f"{stem}.{ext.upper()}"]


def _owners(unique: list[Path]) -> dict[Path, Path]:
    """Which primary among ``unique`` each companion belongs to (by name and place only)."""
    by_folder: dict[Path, list[Path]] = {}
    projects: dict[tuple[Path, str], Path] = {}
    for p in unique:
        by_folder.setdefault(p.parent, []).append(p)
        stem, ext = _split(p.name)
        if ext == _JEOL_PROJECT:
            projects[(p.parent, stem)] = p
    owner: dict[Path, Path] = {}
    for p in unique:
        folder = _zarr_folder(p)
        if folder is not None:
            owner[p] = folder
            continue
        project = next(
            (projects[(a.parent, a.name)] for a in p.parents if (a.parent, a.name) in projects),
            None,
        )
        if project is not None:
            owner[p] = project
            continue
        found = _companion_match(p.name)
        if found is None:
            continue
        rule, stem = found
        for candidate in by_folder[p.parent]:
            primary = rule.primary.match(candidate.name)
            if candidate != p and primary and primary.group("stem") == stem:
                owner[p] = candidate
                break
    return owner


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under ``paths`` (files are taken as they are, folders walked in name order).

    A ``.zspy`` folder is listed as one entry and not walked into; a ``.zspy`` file (a Zarr
    ZipStore) is listed like any file.
    """
    for path in paths:
        path = Path(path)
        if not path.is_dir() or path.suffix.lower() == _ZARR_FOLDER:
            yield path
            continue
        for child in sorted(path.iterdir()):
            if child.is_dir():
                yield from walk([child])
            elif child.is_file():
                yield child


def group_files(paths: Iterable[Path]) -> list[FileGroup]:
    """Group companions among ``paths``; every input appears in exactly one group.

    Groups are ordered by the first appearance of any of their members; companions are in
    natural order (``_1.ser``, ``_2.ser``… ``_10.ser``). Only the given paths are considered
    (the disk is not read). The files of a ``.zspy`` folder become one group whose primary is
    the folder, with no companions: the folder is read as a whole.
    """
    unique = list(dict.fromkeys(Path(p) for p in paths))
    owner = _owners(unique)
    members: dict[Path, list[Path]] = {}
    for p in unique:
        primary = owner.get(p, p)
        members.setdefault(primary, [])
        if primary != p and _zarr_folder(p) is None:
            members[primary].append(p)
    return [
        FileGroup(primary, tuple(sorted(companions, key=_natural_key)))
        for primary, companions in members.items()
    ]
