"""``import_folder`` and ``reextract``."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from extraction import EXTRACTOR_VERSION
from lims.datasets.models import Dataset
from lims.files.ingest.folders import FolderWatcher
from lims.files.models import CompanionFile, InstrumentFile, RunStatus
from tests.factories import (
    FacilityManagerFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DOCS = ["--exclude", "*.md", "--exclude", "*.json"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_folder", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def sample_files(samples: Path) -> list[Path]:
    return [p for p in samples.rglob("*") if p.is_file() and p.parent != samples]


@pytest.fixture
def project():
    return ProjectFactory(slug="facility")


def test_import_folder_counts_match_and_a_second_run_imports_nothing(samples, project):
    files = sample_files(samples)
    out = run(str(samples), "--project", "facility", "--dataset", "All samples", *DOCS)
    dataset = Dataset.objects.get(project=project, title="All samples")
    # bad/truncated_hdf5.emd is byte for byte emd/example_image.emd: a duplicate.
    assert f"Imported {len(files) - 1} file(s)" in out
    assert "1 duplicate(s) skipped, 0 failed" in out
    logical = dataset.files.count()
    companions = CompanionFile.objects.filter(parent__dataset=dataset).count()
    assert logical + companions == len(files) - 1
    # The .emi files carry their .ser files; the lone .ser is a file of its own.
    emi = dataset.files.get(original_name="16x16_STEM_BF_DF_acquire.emi")
    assert emi.companions.count() == 2
    assert dataset.files.filter(original_name="X - Au NP EELS_2.ser").exists()
    # Each file keeps its folder: the three test-1.dm3 are told apart.
    assert emi.folder == "tia/old"
    assert sorted(
        dataset.files.filter(original_name="test-1.dm3").values_list("folder", flat=True)
    ) == [
        "digitalmicrograph/1D",
        "digitalmicrograph/2D",
        "digitalmicrograph/3D",
    ]
    # One extraction per logical file, queued.
    assert all(f.runs.filter(status=RunStatus.QUEUED).count() == 1 for f in dataset.files.all())

    again = run(str(samples), "--project", "facility", "--dataset", "All samples", *DOCS)
    assert "Imported 0 file(s)" in again
    assert f"{len(files)} duplicate(s) skipped, 0 failed" in again
    assert dataset.files.count() == logical


def test_import_folder_per_folder_and_in_place(samples, project, settings):
    user = UserFactory(username="operator")
    MembershipFactory(project=project, user=user, role="contributor")
    run(
        str(samples),
        "--project",
        "facility",
        "--dataset",
        "2026-11",
        "--per-folder",
        "--in-place",
        "--user",
        "operator",
        *DOCS,
    )
    titles = set(Dataset.objects.filter(project=project).values_list("title", flat=True))
    top = {p.relative_to(samples).parts[0] for p in sample_files(samples)}
    assert titles == {f"2026-11 / {name}" for name in top}
    bad = Dataset.objects.get(title="2026-11 / bad")
    assert bad.files.count() == len(list((samples / "bad").iterdir()))
    # Inside a dataset made of a subfolder, files keep the folders below it.
    dm = Dataset.objects.get(title="2026-11 / digitalmicrograph")
    assert sorted(dm.files.filter(original_name="test-1.dm4").values_list("folder", flat=True)) == [
        "1D",
        "2D",
        "3D",
    ]
    assert dm.files.get(original_name="test_stackbuilder_imagestack.dm3").folder == ""
    # In place: registered where they lie, nothing copied into storage.
    some = InstrumentFile.objects.first()
    assert some.in_place and Path(some.external_path).is_relative_to(samples)
    assert not some.stored_file and some.uploaded_by == user
    media = Path(settings.MEDIA_ROOT)
    assert not (media / "files").exists() or not any((media / "files").rglob("*.*"))


def test_import_folder_exit_codes(samples, project, tmp_path):
    with pytest.raises(CommandError) as error:
        run(str(samples), "--project", "nope", "--dataset", "x")
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        run(str(tmp_path / "missing"), "--project", "facility", "--dataset", "x")
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        run(str(samples), "--project", "facility", "--dataset", "x", "--user", "ghost")
    assert error.value.returncode == 2
    UserFactory(username="visitor")  # an account that may not add files to the project
    with pytest.raises(CommandError, match="may not add files") as error:
        run(str(samples), "--project", "facility", "--dataset", "x", "--user", "visitor")
    assert error.value.returncode == 2 and not Dataset.objects.filter(title="x").exists()
    # A file that cannot be read is counted as failed, the rest is imported.
    folder = tmp_path / "share"
    folder.mkdir()
    shutil.copy(samples / "msa/example1.msa", folder)
    (folder / "unreadable.dm3").symlink_to("/proc/self/mem")
    with pytest.raises(CommandError) as error:
        run(str(folder), "--project", "facility", "--dataset", "x")
    assert error.value.returncode == 1
    assert Dataset.objects.get(title="x").files.count() == 1


def test_the_watcher_waits_until_a_file_stopped_growing(tmp_path):
    now = [0.0]
    watcher = FolderWatcher(tmp_path, settle_s=5, clock=lambda: now[0])
    growing = tmp_path / "acquisition.dm4"
    growing.write_bytes(b"x" * 10)
    (tmp_path / ".hidden").write_bytes(b"h")
    (tmp_path / "copying.part").write_bytes(b"p")
    assert watcher.scan() == []
    now[0] = 3
    with growing.open("ab") as handle:
        handle.write(b"more")
    assert watcher.scan() == []  # changed: the clock starts again
    now[0] = 6
    assert watcher.scan() == []  # unchanged for 3 s only
    now[0] = 9
    assert watcher.scan() == [growing]
    now[0] = 20
    assert watcher.scan() == []  # reported once


@pytest.mark.django_db(transaction=True)
def test_import_folder_watch_ingests_finished_files(samples, project, tmp_path):
    folder = tmp_path / "instrument"
    folder.mkdir()
    shutil.copy(samples / "msa/example1.msa", folder)
    (folder / "sub").mkdir()
    shutil.copy(samples / "tia/old/64x64_TEM_images_acquire.emi", folder / "sub")
    shutil.copy(samples / "tia/old/64x64_TEM_images_acquire_1.ser", folder / "sub")
    out = run(
        str(folder),
        "--project",
        "facility",
        "--dataset",
        "live",
        "--watch",
        "--settle",
        "0.3",
        "--interval",
        "0.4",
        "--max-scans",
        "3",
    )
    assert "Imported 3 file(s)" in out
    dataset = Dataset.objects.get(title="live")
    assert sorted(dataset.files.values_list("original_name", flat=True)) == [
        "64x64_TEM_images_acquire.emi",
        "example1.msa",
    ]
    assert dataset.files.get(original_name__endswith=".emi").companions.count() == 1


def test_reextract_outdated_and_selectors(samples, project):
    run(str(samples / "msa"), "--project", "facility", "--dataset", "spectra")
    dataset = Dataset.objects.get(title="spectra")
    InstrumentFile.objects.filter(dataset=dataset).update(
        status="done", extractor_version=EXTRACTOR_VERSION
    )
    old = dataset.files.first()
    InstrumentFile.objects.filter(pk=old.pk).update(extractor_version="0.1.0")
    out = io.StringIO()
    call_command("reextract", "--outdated", "--dry-run", stdout=out)
    assert "1 file(s) would be queued" in out.getvalue()
    manager = FacilityManagerFactory(username="fm")
    call_command("reextract", "--outdated", "--user", "fm", stdout=out)
    latest = old.runs.order_by("-id").first()
    assert latest.status == RunStatus.QUEUED and latest.requested_by == manager
    call_command("reextract", "--dataset", str(dataset.uid), stdout=out)
    assert "Queued 2 file(s)" in out.getvalue()
    with pytest.raises(CommandError) as error:
        call_command("reextract")
    assert error.value.returncode == 2
    UserFactory(username="plain")
    with pytest.raises(CommandError):
        call_command("reextract", "--outdated", "--user", "plain")
