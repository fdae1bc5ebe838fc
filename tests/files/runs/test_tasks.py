"""The extraction task: what it retries and what it does not (run eagerly, in process)."""

from __future__ import annotations

import shutil

import pytest
from celery.exceptions import Retry

from lims.files.ingest.services import file_ingest
from lims.files.models import RunStatus
from lims.files.runs.tasks import MAX_RETRIES, extract_file
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def test_storage_errors_are_retried_then_the_run_fails(samples, tmp_path):
    dataset = DatasetFactory()
    source = tmp_path / "share" / "spectrum.msa"
    source.parent.mkdir()
    shutil.copy(samples / "msa/example1.msa", source)
    instrument_file = file_ingest(
        dataset=dataset, upload=source, user=dataset.created_by, in_place=True
    ).file
    source.unlink()  # the share is not mounted
    run = instrument_file.runs.get()
    # A first attempt asks for a retry...
    with pytest.raises(Retry):
        extract_file.apply(args=[run.pk], retries=0, throw=True)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.attempts == 1
    # ...and the last one gives up, recording why.
    assert extract_file.apply(args=[run.pk], retries=MAX_RETRIES).get() == "given up"
    run.refresh_from_db()
    instrument_file.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.attempts == 2
    assert f"Given up after {MAX_RETRIES + 1} attempts" in run.message
    assert "cannot be reached" in instrument_file.status_message
    assert instrument_file.status == "failed"


def test_an_unreadable_file_is_not_retried(samples):
    dataset = DatasetFactory()
    instrument_file = file_ingest(
        dataset=dataset, upload=samples / "bad/truncated_STEM_image.dm3", user=dataset.created_by
    ).file
    run = instrument_file.runs.get()
    assert extract_file.apply(args=[run.pk]).get() == RunStatus.FAILED
    run.refresh_from_db()
    assert run.attempts == 1 and run.message
