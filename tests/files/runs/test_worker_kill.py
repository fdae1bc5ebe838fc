"""A worker killed in the middle of a task loses no work: a new worker finishes it."""

from __future__ import annotations

import pytest

from lims.files.ingest.services import file_ingest
from lims.files.models import ExtractionRun, InstrumentFile, RunStatus
from tests.factories import DatasetFactory
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Messages of a dead worker go back to the queue after this long (production: an hour).
FAST_RESTORE = {"LIMS_BROKER_VISIBILITY_TIMEOUT_S": "8", "LIMS_BROKER_RESTORE_INTERVAL_S": "1"}


@pytest.fixture(scope="module")
def slow_file(tmp_path_factory):
    """A 130 MB image stack: its extraction takes a second or more."""
    import hyperspy.api as hs
    import numpy as np

    path = tmp_path_factory.mktemp("slow") / "stack.hspy"
    data = np.random.default_rng(0).random((40, 1024, 1024), dtype=np.float32)
    hs.signals.Signal2D(data).save(path)
    return path


def test_a_worker_killed_mid_task_loses_no_work(worker_manager, worker_media, slow_file):
    worker_manager.stop_shared()  # only the workers of this test consume the queue
    first = worker_manager.start(**FAST_RESTORE)
    dataset = DatasetFactory()
    instrument_file = file_ingest(dataset=dataset, upload=slow_file, user=dataset.created_by).file
    run = instrument_file.runs.get()

    def running():
        return ExtractionRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists()

    wait_for(running, timeout=60, interval=0.02, what="the task to start")
    first.kill()  # SIGKILL: no warm shutdown, no acknowledgement
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.attempts == 1

    worker_manager.start(**FAST_RESTORE)

    def done():
        return InstrumentFile.objects.filter(pk=instrument_file.pk, status="done").exists()

    wait_for(done, timeout=120, interval=0.5, what="the file to be extracted after the kill")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.attempts == 2  # the same run, done by the second worker
    instrument_file.refresh_from_db()
    assert instrument_file.metadata["signal_count"] == 1 and instrument_file.thumbnail
