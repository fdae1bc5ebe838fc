"""Extraction runs: idempotent, never overwritten by a late or duplicate message."""

from __future__ import annotations

import shutil

import pytest

from lims.core.permissions import SYSTEM
from lims.files.ingest.services import file_ingest
from lims.files.models import ExtractionRun, InstrumentFile, RunStatus
from lims.files.runs import execute, services
from tests.factories import DatasetFactory, InstrumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return DatasetFactory()


def ingest(dataset, path):
    return file_ingest(dataset=dataset, upload=path, user=dataset.created_by).file


def test_a_run_extracts_metadata_previews_and_the_instrument(samples, dataset):
    tecnai = InstrumentFactory(
        name="Tecnai T20", vendor="FEI", microscope_names=["Tecnai 200 kV D2267 SuperTwin"]
    )
    InstrumentFactory(name="Tecnai F30", vendor="FEI", microscope_names=["Tecnai 300 kV D248"])
    instrument_file = ingest(dataset, samples / "tia/old/16x16_STEM_BF_DF_acquire.emi")
    ingest(dataset, samples / "tia/old/16x16_STEM_BF_DF_acquire_1.ser")
    ingest(dataset, samples / "tia/old/16x16_STEM_BF_DF_acquire_2.ser")
    run = instrument_file.runs.get(status=RunStatus.QUEUED)

    assert execute.extraction_run_execute(run_id=run.pk) == RunStatus.DONE
    instrument_file.refresh_from_db()
    run.refresh_from_db()
    assert instrument_file.status == "done"
    assert instrument_file.metadata["signal_count"] == 2
    assert [s["index"] for s in instrument_file.signals] == [0, 1]
    assert instrument_file.format_label and instrument_file.reader
    assert instrument_file.preview and instrument_file.thumbnail
    assert instrument_file.previews.count() == 2
    assert (instrument_file.instrument, instrument_file.instrument_source) == (tecnai, "name")
    assert run.status == RunStatus.DONE and run.attempts == 1
    assert run.started_at and run.finished_at and run.duration_s >= 0
    # The older runs (queued before the companions arrived) were superseded, not run.
    assert set(instrument_file.runs.exclude(pk=run.pk).values_list("status", flat=True)) == {
        RunStatus.SUPERSEDED
    }


def test_a_late_or_duplicate_message_never_overwrites_a_newer_result(samples, dataset):
    instrument_file = ingest(dataset, samples / "msa/example1.msa")
    first = instrument_file.runs.get()
    second = services.file_reextract(file=instrument_file, user=SYSTEM)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED

    assert execute.extraction_run_execute(run_id=second.pk) == RunStatus.DONE
    instrument_file.refresh_from_db()
    done_metadata = instrument_file.metadata
    # The first run's message arrives late, and the second's is delivered twice.
    assert execute.extraction_run_execute(run_id=first.pk) == "already superseded"
    assert execute.extraction_run_execute(run_id=second.pk) == "already done"
    second.refresh_from_db()
    assert second.attempts == 1
    instrument_file.refresh_from_db()
    assert instrument_file.metadata == done_metadata
    assert instrument_file.status == "done"


def test_a_run_overtaken_while_running_leaves_its_result_unwritten(samples, dataset):
    instrument_file = ingest(dataset, samples / "msa/example2.msa")
    old = instrument_file.runs.get()
    ExtractionRun.objects.filter(pk=old.pk).update(status=RunStatus.RUNNING)
    newer = services.file_reextract(file=instrument_file, user=SYSTEM)
    assert execute.extraction_run_execute(run_id=old.pk) == "superseded"
    instrument_file.refresh_from_db()
    assert instrument_file.status == "pending"  # it follows the latest run, still queued
    assert execute.extraction_run_execute(run_id=newer.pk) == RunStatus.DONE


def test_an_unreadable_file_fails_with_a_message_and_no_exception(samples, dataset):
    instrument_file = ingest(dataset, samples / "bad/random_bytes.ser")
    run = instrument_file.runs.get()
    assert execute.extraction_run_execute(run_id=run.pk) in {"failed", "unsupported"}
    instrument_file.refresh_from_db()
    assert instrument_file.status in {"failed", "unsupported"}
    assert instrument_file.status_message
    assert instrument_file.metadata == {}  # nothing was read: no summary


def test_missing_bytes_are_a_storage_error_to_retry_then_a_failure(samples, dataset, tmp_path):
    source = tmp_path / "a.msa"
    shutil.copy(samples / "msa/example1.msa", source)
    instrument_file = file_ingest(
        dataset=dataset, upload=source, user=dataset.created_by, in_place=True
    ).file
    assert instrument_file.external_path == str(source)
    source.unlink()  # the share went away
    run = instrument_file.runs.get()
    with pytest.raises(OSError):
        execute.extraction_run_execute(run_id=run.pk)
    execute.extraction_run_fail(run_id=run.pk, message="Given up: the share is gone.")
    instrument_file.refresh_from_db()
    assert instrument_file.status == "failed"
    assert "share" in instrument_file.status_message


def test_a_run_whose_worker_keeps_dying_is_given_up(samples, dataset):
    instrument_file = ingest(dataset, samples / "msa/example1.msa")
    run = instrument_file.runs.get()
    ExtractionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, attempts=services.MAX_ATTEMPTS
    )
    assert execute.extraction_run_execute(run_id=run.pk) == "given up"
    instrument_file.refresh_from_db()
    assert instrument_file.status == "failed"
    assert "attempts" in instrument_file.status_message


def test_outdated_files_are_those_of_an_older_extractor(samples, dataset):
    current = ingest(dataset, samples / "msa/example1.msa")
    old = ingest(dataset, samples / "msa/example2.msa")
    for instrument_file in (current, old):
        execute.extraction_run_execute(run_id=instrument_file.runs.get().pk)
    InstrumentFile.objects.filter(pk=old.pk).update(extractor_version="0.9.0")
    assert list(services.files_outdated()) == [InstrumentFile.objects.get(pk=old.pk)]
    assert services.files_reextract_outdated(user=SYSTEM) == 1
    assert old.runs.count() == 2
    assert current.runs.count() == 1
