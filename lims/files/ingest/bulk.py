"""Importing a large folder tree in batches, resumably (``manage.py import_folder``).

* **Streaming walk**: :func:`walk_groups` lists one folder at a time (never the whole tree)
  and yields its files as logical files (a ``.emi`` with its ``.ser`` files), in a stable
  order: a folder's own files by name, then its subfolders by name.
* **Batches**: :func:`folder_import_batch` takes up to a few hundred logical files in one
  transaction: one query finds the duplicates, one INSERT writes the files, one their
  companions, one their extraction runs, one audit event; the runs' tasks are sent over one
  broker connection after the commit.
* **Resume**: each batch also records, in its :class:`~lims.files.models.FolderImport`, the
  walk's key of its last file; an import started again with the same folder, project and
  dataset skips everything up to there without reading it again.

A batch holds only whole logical files of one folder of the tree, so a ``.emi`` and its
``.ser`` files are always taken in together. Bytes that are already in the dataset (same
SHA-256, as a file or a companion) are counted as duplicates and not stored again.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from extraction import group_files
from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import Action, require
from lims.core.storage import safe_filename, safe_folder
from lims.datasets.models import Dataset
from lims.files.ingest.folders import ImportSummary, excluded, folder_in_dataset
from lims.files.ingest.register import digest_path, remember_stored, storage_rollback
from lims.files.models import CompanionFile, FolderImport, InstrumentFile
from lims.files.runs.services import extraction_queue_new

#: logical files per transaction
BATCH_SIZE = 500

#: a position in the walk: per level, (0, file name) or (1, folder name)
Key = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Group:
    """One logical file found by the walk: its paths (primary first) and its walk key."""

    paths: tuple[Path, ...]
    key: Key


def _entries(folder: Path, excludes: tuple[str, ...]) -> tuple[list[Path], list[Path]]:
    """The files and the subfolders of one folder (hidden ones skipped), sorted by name."""
    files, folders = [], []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    elif entry.is_file() and not excluded(Path(entry.name), excludes):
                        files.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        return [], []
    by_name = operator.attrgetter("name")  # a string compare: Path's own is slow
    return sorted(files, key=by_name), sorted(folders, key=by_name)


def walk_groups(root: Path, excludes: Iterable[str], *, after: Key = ()) -> Iterator[Group]:
    """The logical files under ``root`` in walk order, those up to ``after`` skipped (whole
    folders before it are not even listed)."""
    excludes = tuple(excludes)

    def walk(folder: Path, prefix: Key) -> Iterator[Group]:
        files, folders = _entries(folder, excludes)
        for group in group_files(files):
            key = (*prefix, (0, group.primary.name))
            if not after or key > after:
                yield Group(group.paths, key)
        for sub in folders:
            key = (*prefix, (1, sub.name))
            # a folder wholly before the resume point: skip it without listing it
            if after and key < after[: len(key)]:
                continue
            yield from walk(sub, key)

    yield from walk(root, ())


def count_files(root: Path, excludes: Iterable[str], *, after: Key = ()) -> int:
    """How many files :func:`walk_groups` will take (for progress and its ETA), counted
    folder by folder."""
    return sum(len(group.paths) for group in walk_groups(root, excludes, after=after))


def key_from_json(value: Any) -> Key:
    """A walk key as stored in ``FolderImport.position``."""
    return tuple((int(kind), str(name)) for kind, name in value or [])


def folder_import_start(
    *,
    root: Path,
    project: Any,
    dataset_title: str,
    per_folder: bool,
    in_place: bool,
    user: User,
    restart: bool = False,
) -> tuple[FolderImport, bool]:
    """The unfinished import of this folder into this project and dataset, to resume, or a
    new one; and whether it resumes. With ``restart``, an unfinished one is closed first."""
    require(user, Action.CONTRIBUTE, project, "You may not add files to this project.")
    unfinished = FolderImport.objects.filter(
        root=str(root),
        project=project,
        dataset_title=dataset_title,
        per_folder=per_folder,
        in_place=in_place,
        finished_at__isnull=True,
    ).order_by("-started_at")
    job = unfinished.first()
    if job is not None and restart:
        unfinished.update(finished_at=timezone.now())
        job = None
    if job is not None:
        return job, True
    job = FolderImport.objects.create(
        root=str(root),
        project=project,
        dataset_title=dataset_title,
        per_folder=per_folder,
        in_place=in_place,
        user=user,
    )
    return job, False


@dataclass
class _Prepared:
    """A logical file of a batch after its bytes were read: digests and sizes per path."""

    group: Group
    dataset: Dataset
    folder: str
    members: list[tuple[Path, str, int]] = field(default_factory=list)  # path, sha256, size


def _prepare(
    groups: list[Group], dataset_of: Callable[[Path], Dataset], root: Path, per_folder: bool
) -> tuple[list[_Prepared], ImportSummary]:
    """Hash every path of the batch (outside any transaction); unreadable ones are counted."""
    summary = ImportSummary()
    prepared = []
    for group in groups:
        item = _Prepared(
            group,
            dataset_of(group.paths[0]),
            folder_in_dataset(root, group.paths[0], per_folder=per_folder),
        )
        for path in group.paths:
            try:
                sha256, size = digest_path(path)
            except OSError as exc:
                summary.failed += 1
                summary.errors.append(f"{path}: {exc.strerror or exc}")
                continue
            item.members.append((path, sha256, size))
        if item.members and item.members[0][0] == group.paths[0]:
            prepared.append(item)
        elif item.members:  # the primary could not be read: its companions alone make no file
            summary.failed += len(item.members)
            summary.errors.extend(
                f"{path}: its primary file could not be read" for path, *_ in item.members
            )
    return prepared, summary


def _known_digests(dataset: Dataset, digests: set[str]) -> set[str]:
    """Which of ``digests`` the dataset holds already (live files and their companions)."""
    held = set(dataset.files.live().filter(sha256__in=digests).values_list("sha256", flat=True))
    held |= set(
        CompanionFile.objects.filter(
            parent__dataset=dataset, parent__deleted_at__isnull=True, sha256__in=digests
        ).values_list("sha256", flat=True)
    )
    return held


def _stored(field_file: Any, name: str, path: Path) -> None:
    """Copy ``path`` into storage through the field (remembered for the rollback)."""
    with path.open("rb") as handle:
        field_file.save(name, File(handle, name=name), save=False)
    remember_stored(field_file.storage, field_file.name)


def folder_import_batch(
    *,
    job: FolderImport,
    groups: list[Group],
    user: User,
    root: Path,
    dataset_of: Callable[[Path], Dataset],
    dispatch: Callable[[list[tuple[int, str]]], None] | None = None,
) -> ImportSummary:
    """Take one batch of logical files in (see the module's doc) and move ``job`` past it.

    The runs' tasks are sent after the commit, by ``dispatch`` when given (a
    :class:`~lims.files.runs.services.RunDispatcher`'s ``submit``)."""
    prepared, summary = _prepare(groups, dataset_of, root, job.per_folder)
    with storage_rollback(), transaction.atomic():
        by_dataset: dict[int, list[_Prepared]] = {}
        for item in prepared:
            by_dataset.setdefault(item.dataset.pk, []).append(item)
        for items in by_dataset.values():
            dataset = items[0].dataset
            require(user, Action.CONTRIBUTE, dataset, "You may not add files to this dataset.")
            # one ingest at a time per dataset: duplicates must be judged on a stable view
            Dataset.objects.select_for_update().only("pk").get(pk=dataset.pk)
            held = _known_digests(dataset, {sha for item in items for _, sha, _ in item.members})
            new_files, companions = [], []
            for item in items:
                if any(sha in held for _, sha, _ in item.members[:1]):
                    summary.duplicates += len(item.members)
                    continue
                (path, sha256, _size), *rest = item.members
                held.update(sha for _, sha, _ in item.members)
                instrument_file = InstrumentFile(
                    dataset=dataset,
                    original_name=safe_filename(path.name),
                    folder=safe_folder(item.folder),
                    uploaded_by=user,
                    sha256=sha256,
                    size=sum(size for *_, size in item.members),
                )
                if job.in_place:
                    instrument_file.external_path = str(path.resolve())
                else:
                    _stored(instrument_file.stored_file, instrument_file.original_name, path)
                for companion_path, companion_sha, companion_size in rest:
                    companion = CompanionFile(
                        parent=instrument_file,
                        original_name=safe_filename(companion_path.name),
                        sha256=companion_sha,
                        size=companion_size,
                    )
                    if job.in_place:
                        companion.external_path = str(companion_path.resolve())
                    else:
                        _stored(companion.stored_file, companion.original_name, companion_path)
                    companions.append(companion)
                new_files.append(instrument_file)
                summary.imported += len(item.members)
                summary.bytes += instrument_file.size
            InstrumentFile.objects.bulk_create(new_files)
            CompanionFile.objects.bulk_create(companions)  # their parents have keys now
            extraction_queue_new(files=new_files, user=user, dispatch=dispatch)
            if new_files:
                audit_record(
                    action=AuditAction.UPLOAD,
                    actor=user,
                    target=dataset,
                    detail={
                        "folder_import": job.pk,
                        "files": len(new_files),
                        "first": new_files[0].original_name,
                        "last": new_files[-1].original_name,
                    },
                )
        job.position = [list(part) for part in groups[-1].key] if groups else job.position
        job.imported += summary.imported
        job.duplicates += summary.duplicates
        job.failed += summary.failed
        job.bytes += summary.bytes
        job.save(
            update_fields=[
                "position",
                "imported",
                "duplicates",
                "failed",
                "bytes",
                "updated_at",
            ]
        )
    return summary


def batched(groups: Iterable[Group], size: int = BATCH_SIZE) -> Iterator[list[Group]]:
    """Groups in lists of ``size`` (the last one shorter)."""
    batch: list[Group] = []
    for group in groups:
        batch.append(group)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def folder_import_finish(*, job: FolderImport) -> None:
    """Mark the import done: the next one of this folder starts from the beginning."""
    job.finished_at = timezone.now()
    job.save(update_fields=["finished_at", "updated_at"])
