"""Bulk folder import: a streaming walk, batched writes, and resuming after an interruption."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from lims.datasets.models import Dataset
from lims.files.ingest.bulk import (
    batched,
    folder_import_batch,
    folder_import_start,
    walk_groups,
)
from lims.files.ingest.folders import DEFAULT_EXCLUDES
from lims.files.models import CompanionFile, ExtractionRun, FolderImport, RunStatus
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SAMPLES = [
    "msa/example1.msa",
    "msa/example2.msa",
    "digitalmicrograph/2D/test_STEM_image.dm3",
    "tiff/FEI-Helios-Ebeam-8bits.tif",
    "tia/old/16x16_STEM_BF_DF_acquire.emi",
    "tia/old/16x16_STEM_BF_DF_acquire_1.ser",
    "tia/old/16x16_STEM_BF_DF_acquire_2.ser",
]


@pytest.fixture
def tree(samples: Path, tmp_path: Path) -> Path:
    """Three copies of a few samples in run folders, nested two deep (21 files)."""
    root = tmp_path / "instrument-pc"
    for run in ("run-a", "run-b", "run-c/day-2"):
        for relative in SAMPLES:
            target = root / run / Path(relative).parent.name / Path(relative).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(samples / relative, target)
            if run != "run-a":  # different bytes in every run: nothing is a duplicate
                with target.open("ab") as handle:
                    handle.write(run.encode())
    return root


def _command(root: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "import_folder",
        str(root),
        "--project",
        "pc",
        "--dataset",
        "Imports",
        "--no-progress",
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_the_walk_goes_folder_by_folder_in_a_stable_order_and_resumes_after_a_key(
    tree: Path,
) -> None:
    groups = list(walk_groups(tree, DEFAULT_EXCLUDES))
    names = [str(g.paths[0].relative_to(tree)) for g in groups]
    assert len(groups) == 15  # 21 files, the .emi of each run with its two .ser files
    assert names[:5] == [
        "run-a/2D/test_STEM_image.dm3",
        "run-a/msa/example1.msa",
        "run-a/msa/example2.msa",
        "run-a/old/16x16_STEM_BF_DF_acquire.emi",
        "run-a/tiff/FEI-Helios-Ebeam-8bits.tif",
    ]
    assert [p.name for p in groups[3].paths] == [
        "16x16_STEM_BF_DF_acquire.emi",
        "16x16_STEM_BF_DF_acquire_1.ser",
        "16x16_STEM_BF_DF_acquire_2.ser",
    ]
    assert [g.key for g in groups] == sorted(g.key for g in groups)
    rest = list(walk_groups(tree, DEFAULT_EXCLUDES, after=groups[6].key))
    assert [g.paths for g in rest] == [g.paths for g in groups[7:]]


def test_a_batch_takes_its_files_in_a_few_queries(
    tree: Path, django_assert_max_num_queries
) -> None:
    project = ProjectFactory(slug="pc")
    user = project.created_by
    dataset = Dataset.objects.create(project=project, title="Imports", created_by=user)
    job, _ = folder_import_start(
        root=tree,
        project=project,
        dataset_title="Imports",
        per_folder=False,
        in_place=True,
        user=user,
    )
    groups = list(walk_groups(tree, DEFAULT_EXCLUDES))
    with django_assert_max_num_queries(14):
        summary = folder_import_batch(
            job=job, groups=groups, user=user, root=tree, dataset_of=lambda _: dataset
        )
    assert (summary.imported, summary.duplicates, summary.failed) == (21, 0, 0)
    assert dataset.files.count() == 15
    assert CompanionFile.objects.filter(parent__dataset=dataset).count() == 6
    runs = ExtractionRun.objects.filter(file__dataset=dataset)
    assert runs.count() == 15 and set(runs.values_list("status", flat=True)) == {RunStatus.QUEUED}
    emi = dataset.files.get(original_name="16x16_STEM_BF_DF_acquire.emi", folder="run-b/old")
    assert emi.size == sum(p.stat().st_size for p in (tree / "run-b/old").iterdir())


def test_an_interrupted_import_resumes_after_its_last_batch(tree: Path) -> None:
    project = ProjectFactory(slug="pc")
    user = project.created_by
    dataset = Dataset.objects.create(project=project, title="Imports", created_by=user)
    # What a first run did before it was stopped: two batches of two logical files.
    job, resumed = folder_import_start(
        root=tree.resolve(),
        project=project,
        dataset_title="Imports",
        per_folder=False,
        in_place=False,
        user=user,
    )
    assert not resumed
    batches = batched(walk_groups(tree.resolve(), DEFAULT_EXCLUDES), 2)
    for batch in (next(batches), next(batches)):
        folder_import_batch(
            job=job, groups=batch, user=user, root=tree.resolve(), dataset_of=lambda _: dataset
        )
    assert dataset.files.count() == 4  # run-a: the .dm3, two .msa and the .emi with its .ser

    out = _command(tree, "--batch-size", "3")
    assert "Resuming the import started" in out and "6 file(s) already done" in out
    # nothing done before is read again: no duplicates, only the other 15 files
    assert "Imported 15 file(s)" in out and "0 duplicate(s) skipped, 0 failed" in out
    assert dataset.files.count() == 15
    job.refresh_from_db()
    assert job.finished_at is not None and job.imported == 21

    # finished: the next import of the folder walks it all again, and finds only duplicates
    again = _command(tree)
    assert "Imported 0 file(s)" in again and "21 duplicate(s) skipped" in again
    assert FolderImport.objects.filter(finished_at__isnull=True).count() == 0
