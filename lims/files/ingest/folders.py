"""Importing folders of instrument files: once, or watching as instruments write them.

Used by ``manage.py import_folder``; the command parses options and prints, these functions
decide which files belong together, which are finished, and take them in through
:func:`lims.files.ingest.services.file_ingest`.
"""

from __future__ import annotations

import fnmatch
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from extraction import group_files
from lims.accounts.models import User
from lims.datasets.models import Dataset
from lims.files.ingest.services import IngestOutcome, file_ingest
from lims.files.models import InstrumentFile
from lims.files.runs.services import extraction_queue

log = logging.getLogger(__name__)

#: Names never imported: hidden files and the partial files of copy tools.
DEFAULT_EXCLUDES = (".*", "~*", "*.tmp", "*.part", "*.partial", "*.crdownload", "Thumbs.db")


@dataclass
class ImportSummary:
    """What an import did, file by file (companions count as files)."""

    imported: int = 0
    duplicates: int = 0
    failed: int = 0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: ImportSummary) -> None:
        self.imported += other.imported
        self.duplicates += other.duplicates
        self.failed += other.failed
        self.bytes += other.bytes
        self.errors.extend(other.errors)


def excluded(path: Path, patterns: Iterable[str]) -> bool:
    """Does the file's name match one of the glob ``patterns``?"""
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


def list_files(root: Path, excludes: Iterable[str] = DEFAULT_EXCLUDES) -> list[Path]:
    """Every regular file under ``root`` (hidden folders skipped), in a stable order."""
    excludes = tuple(excludes)
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and not excluded(path, excludes):
            found.append(path)
    return found


def group_paths(paths: Iterable[Path]) -> list[tuple[Path, ...]]:
    """Paths grouped as logical files: a ``.emi`` followed by its ``.ser`` files."""
    return [group.paths for group in group_files(list(paths))]


def folder_in_dataset(root: Path, path: Path, *, per_folder: bool) -> str:
    """The folder ``path`` keeps inside its dataset: its folder under ``root``, less the
    top-level subfolder that became the dataset with ``per_folder``."""
    parts = path.parent.relative_to(root).parts
    return "/".join(parts[1:] if per_folder else parts)


def group_import(
    *,
    dataset: Dataset,
    paths: tuple[Path, ...],
    user: User,
    in_place: bool = False,
    folder: str = "",
) -> ImportSummary:
    """Import one logical file (a primary and its companions) into ``folder`` of ``dataset``
    and queue one extraction.

    A failure of one path (unreadable, vanished) is counted, not raised. Each path commits on
    its own (its bytes are safe once it has), and the group's extraction is queued once, after
    all of them.
    """
    summary = ImportSummary()
    touched: dict[int, InstrumentFile] = {}
    for path in paths:
        try:
            outcome: IngestOutcome = file_ingest(
                dataset=dataset,
                upload=path,
                user=user,
                folder=folder,
                in_place=in_place,
                queue_extraction=False,
            )
        except OSError as exc:
            summary.failed += 1
            summary.errors.append(f"{path}: {exc.strerror or exc}")
            continue
        if outcome.duplicate:
            summary.duplicates += 1
            continue
        summary.imported += 1
        summary.bytes += outcome.companion.size if outcome.companion else outcome.file.size
        touched[outcome.file.pk] = outcome.file
    with transaction.atomic():
        for instrument_file in touched.values():
            extraction_queue(file=instrument_file, user=user)
    return summary


def datasets_for(
    root: Path,
    paths: list[Path],
    *,
    per_folder: bool,
    dataset_for_title: Callable[[str], Dataset],
    title: str,
) -> dict[Dataset, list[Path]]:
    """Which dataset each path goes to: one for all, or one per top-level subfolder."""
    if not per_folder:
        dataset = dataset_for_title(title)
        return {dataset: paths}
    by_title: dict[str, list[Path]] = {}
    for path in paths:
        parts = path.relative_to(root).parts
        sub = parts[0] if len(parts) > 1 else ""
        name = f"{title} / {sub}" if title and sub else (sub or title or root.name)
        by_title.setdefault(name, []).append(path)
    return {dataset_for_title(name): group for name, group in by_title.items()}


class FolderWatcher:
    """Finds the files of a folder that are finished: unchanged in size and modification time
    for ``settle_s`` seconds (an instrument still writing a file keeps changing both)."""

    def __init__(
        self,
        root: Path,
        *,
        settle_s: float = 5.0,
        excludes: Iterable[str] = DEFAULT_EXCLUDES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root
        self.settle_s = settle_s
        self.excludes = tuple(excludes)
        self.clock = clock
        self._seen: dict[Path, tuple[int, int, float]] = {}
        self.handled: set[Path] = set()

    def scan(self) -> list[Path]:
        """The files that became ready since the last scan (each is reported once)."""
        now = self.clock()
        ready = []
        current = set()
        for path in list_files(self.root, self.excludes):
            if path in self.handled:
                continue
            current.add(path)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen.get(path)
            if previous is None or previous[:2] != signature:
                self._seen[path] = (*signature, now)
                continue
            if now - previous[2] >= self.settle_s:
                ready.append(path)
        for path in list(self._seen):
            if path not in current:
                del self._seen[path]
        for path in ready:
            self.handled.add(path)
            del self._seen[path]
        return ready

    def pending(self) -> int:
        """Files seen but not finished yet."""
        return len(self._seen)


def iter_scans(
    watcher: FolderWatcher, *, interval_s: float, max_scans: int | None, stop: Callable[[], bool]
) -> Iterator[list[Path]]:
    """Scan every ``interval_s`` seconds until ``stop()`` or ``max_scans`` scans."""
    scans = 0
    while not stop():
        yield watcher.scan()
        scans += 1
        if max_scans is not None and scans >= max_scans:
            return
        deadline = time.monotonic() + interval_s
        while time.monotonic() < deadline and not stop():
            time.sleep(min(0.2, interval_s))
