"""Stored bytes are on disk before a row records them: the file and its folders' entries.

The sync itself is the operating system's; what is observed here is which inodes the LIMS
asked it to sync, and whether the row that points at them existed yet at that moment.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.datasets.models import Dataset
from lims.files.ingest.bulk import folder_import_batch, folder_import_start, walk_groups
from lims.files.ingest.folders import DEFAULT_EXCLUDES
from lims.files.ingest.register import file_register
from lims.files.models import CompanionFile, InstrumentFile
from tests.factories import DatasetFactory, ProjectFactory

pytestmark = pytest.mark.django_db

Inode = tuple[int, int]


def _inode(path: Path) -> Inode:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def _rows() -> tuple[int, int]:
    """How many instrument files and companions are recorded (seen inside the transaction)."""
    return InstrumentFile.objects.count(), CompanionFile.objects.count()


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> dict[Inode, tuple[int, int]]:
    """Each inode fsynced so far, with the numbers of file and companion rows then."""
    seen: dict[Inode, tuple[int, int]] = {}
    real: Callable[[int], None] = os.fsync

    def fsync(descriptor: int) -> None:
        stat = os.fstat(descriptor)
        seen.setdefault((stat.st_dev, stat.st_ino), _rows())
        real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def _folders_up_to(path: Path, root: Path) -> list[Path]:
    folders = [path.parent]
    while folders[-1] != root:
        folders.append(folders[-1].parent)
    return folders


def test_an_uploaded_file_and_its_folders_are_synced_before_its_row_is_written(
    synced: dict[Inode, tuple[int, int]], _media_root: Path
) -> None:
    dataset = DatasetFactory()
    before = _rows()
    instrument_file = file_register(
        dataset=dataset,
        uploaded_by=dataset.created_by,
        name="run.emi",
        content=SimpleUploadedFile("run.emi", b"emi" * 1000),
        companions=[("run_1.ser", SimpleUploadedFile("run_1.ser", b"ser" * 1000))],
    )
    stored = Path(instrument_file.stored_file.path)
    companion = Path(instrument_file.companions.get().stored_file.path)
    root = Path(_media_root).resolve()
    for path in (stored, companion, *_folders_up_to(stored.resolve(), root)):
        assert _inode(path) in synced, f"{path} was not synced"
    # Synced while no row pointed at them yet: a power cut leaves bytes, never a bare row.
    assert synced[_inode(stored)][0] == before[0]
    assert synced[_inode(companion)][1] == before[1]


def test_files_a_bulk_import_copies_are_synced_before_their_rows(
    synced: dict[Inode, tuple[int, int]], samples: Path, tmp_path: Path, _media_root: Path
) -> None:
    tree = tmp_path / "instrument-pc" / "run-a"
    tree.mkdir(parents=True)
    for relative in ("msa/example1.msa", "msa/example2.msa"):
        shutil.copy(samples / relative, tree / Path(relative).name)
    project = ProjectFactory(slug="pc")
    user = project.created_by
    dataset = Dataset.objects.create(project=project, title="Imports", created_by=user)
    job, _ = folder_import_start(
        root=tree.parent,
        project=project,
        dataset_title="Imports",
        per_folder=False,
        in_place=False,
        user=user,
    )
    before = _rows()
    groups = list(walk_groups(tree.parent, DEFAULT_EXCLUDES))
    summary = folder_import_batch(
        job=job, groups=groups, user=user, root=tree.parent, dataset_of=lambda _: dataset
    )
    assert summary.imported == 2
    root = Path(_media_root).resolve()
    for instrument_file in dataset.files.all():
        stored = Path(instrument_file.stored_file.path).resolve()
        for path in (stored, *_folders_up_to(stored, root)):
            assert _inode(path) in synced, f"{path} was not synced"
        assert synced[_inode(stored)][0] == before[0]
