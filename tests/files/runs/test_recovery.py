"""Runs whose task message was lost are sent again by the periodic recovery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from lims.files.ingest.register import file_register
from lims.files.models import ExtractionRun, InstrumentFile, RunStatus
from lims.files.runs.recovery import extraction_runs_recover
from tests.factories import DatasetFactory
from tests.worker import purge_queue, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _file_with_a_lost_run(samples, age: dt.timedelta) -> tuple[InstrumentFile, ExtractionRun]:
    dataset = DatasetFactory()
    source = samples / "msa" / "example1.msa"
    instrument_file = file_register(
        dataset=dataset,
        uploaded_by=dataset.created_by,
        name=source.name,
        content=ContentFile(source.read_bytes(), name=source.name),
    )
    # A run recorded as queued whose message never reached a worker (the broker lost it).
    run = ExtractionRun.objects.create(file=instrument_file, task_id="lost-message-1")
    ExtractionRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - age)
    return instrument_file, run


def test_a_run_whose_message_was_lost_is_sent_again_and_finishes(samples, celery_worker):
    instrument_file, run = _file_with_a_lost_run(samples, age=dt.timedelta(hours=2))
    purge_queue("extraction")  # lost: nothing of it waits in the queue (nor of other tests)
    assert extraction_runs_recover(stale_after=dt.timedelta(hours=1)).resent == [run.pk]

    def done():
        run.refresh_from_db()
        return run if run.status == RunStatus.DONE else None

    wait_for(done, timeout=120, what="the recovered run")
    instrument_file.refresh_from_db()
    assert instrument_file.status == "done"
    assert instrument_file.metadata["technique"] == "EELS"


def test_recent_and_finished_runs_are_left_alone(samples):
    _file_with_a_lost_run(samples, age=dt.timedelta(minutes=5))
    _other, finished = _file_with_a_lost_run(samples, age=dt.timedelta(hours=2))
    ExtractionRun.objects.filter(pk=finished.pk).update(status=RunStatus.DONE)
    assert extraction_runs_recover(stale_after=dt.timedelta(hours=1)).total == 0


def test_runs_waiting_behind_a_backlog_are_not_sent_again(samples, settings, celery_worker):
    """A bulk import's runs wait in the extraction queue for hours: not lost, not resent."""
    from celery import current_app

    from lims.core.tasks import queue_length

    # the extraction queue as recovery sees it: one that no worker of the session consumes
    queue = "extraction-backlog-test"
    settings.CELERY_TASK_ROUTES = {"files.extract_file": {"queue": queue}}

    def purge() -> None:
        purge_queue(queue)

    _file, waiting = _file_with_a_lost_run(samples, age=dt.timedelta(hours=2))
    current_app.send_task("files.extract_file", args=[0], queue=queue)  # another run's
    try:
        assert queue_length(queue) == 1
        assert extraction_runs_recover(stale_after=dt.timedelta(hours=1)).resent == []
        purge()  # the queue drained: now the old run's message is taken for lost
        assert extraction_runs_recover(stale_after=dt.timedelta(hours=1)).resent == [waiting.pk]
    finally:
        purge()

    def done():
        waiting.refresh_from_db()
        return waiting.status == RunStatus.DONE

    wait_for(done, timeout=120, what="the run sent again once the queue drained")
