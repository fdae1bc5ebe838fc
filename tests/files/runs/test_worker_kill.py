"""A worker killed at any stage of a run loses no work and no byte: every file ends done.

Each test stops the session's shared worker, so that only its own workers consume the queue,
and kills a worker (SIGKILL of its process group: no warm shutdown, no acknowledgement) at one
stage of a run. A row lock the test holds stops the worker exactly where the test wants it.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from lims.files.ingest.services import file_ingest
from lims.files.models import ExtractionRun, InstrumentFile, RunStatus
from lims.files.runs.lease import runs_lost
from lims.files.runs.recovery import extraction_runs_recover
from tests.factories import DatasetFactory
from tests.worker import flush_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

#: Workers renew their lease every half second; one that dies is lost two seconds later.
SHORT_LEASE = {"LIMS_RUN_LEASE_S": "2"}
#: Messages of a dead worker go back to the queue after 8 s (production: an hour).
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


@pytest.fixture
def uploaded(worker_manager, worker_media, slow_file):
    """The slow file, stored and queued while no worker runs."""
    worker_manager.stop_all()  # only the workers of each test consume the queue,
    flush_broker()  # and find only its message there
    dataset = DatasetFactory()
    instrument_file = file_ingest(dataset=dataset, upload=slow_file, user=dataset.created_by).file
    yield instrument_file, hashlib.sha256(slow_file.read_bytes()).hexdigest()
    worker_manager.stop_all()


@contextmanager
def file_row_locked(instrument_file: InstrumentFile):
    """Hold the file's row lock: a worker that needs it waits right there."""
    with transaction.atomic():
        InstrumentFile.objects.select_for_update().get(pk=instrument_file.pk)
        yield


def a_worker_waits_for_the_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL shows the activity as it was at the first look.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def run_status(run: ExtractionRun) -> str:
    return ExtractionRun.objects.values_list("status", flat=True).get(pk=run.pk)


def recover_once_the_lease_is_out(run: ExtractionRun) -> None:
    wait_for(lambda: runs_lost().filter(pk=run.pk).exists(), timeout=30, what="the lease to end")
    recovery = extraction_runs_recover()
    assert recovery.lost == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and "stopped answering" in run.message


def assert_done_with_every_byte(instrument_file: InstrumentFile, sha256: str, attempts: int):
    wait_for(
        lambda: InstrumentFile.objects.filter(pk=instrument_file.pk, status="done").exists(),
        timeout=180,
        interval=0.5,
        what="the file to be extracted after the kill",
    )
    instrument_file.refresh_from_db()
    run = instrument_file.runs.get()
    assert (run.status, run.attempts) == (RunStatus.DONE, attempts)  # the same run, finished
    assert instrument_file.metadata["signal_count"] == 1 and instrument_file.thumbnail
    with instrument_file.stored_file.open("rb") as handle:
        assert hashlib.file_digest(handle, "sha256").hexdigest() == sha256


def test_killed_after_taking_the_message_before_starting(worker_manager, uploaded):
    instrument_file, sha256 = uploaded
    run = instrument_file.runs.get()
    with file_row_locked(instrument_file):
        first = worker_manager.start(**SHORT_LEASE, **FAST_RESTORE)
        wait_for(a_worker_waits_for_the_lock, timeout=60, what="the worker to take the message")
        first.kill()
    assert run_status(run) == RunStatus.QUEUED  # never started: the broker delivers it again
    worker_manager.start(**SHORT_LEASE, **FAST_RESTORE)
    assert_done_with_every_byte(instrument_file, sha256, attempts=1)


def test_killed_while_reading_the_file(worker_manager, uploaded):
    instrument_file, sha256 = uploaded
    run = instrument_file.runs.get()
    first = worker_manager.start(**SHORT_LEASE)
    wait_for(
        lambda: run_status(run) == RunStatus.RUNNING,
        timeout=60,
        interval=0.02,
        what="the task to start",
    )
    first.kill()
    # The message waits an hour in the broker; the lease says in seconds that the worker died.
    recover_once_the_lease_is_out(run)
    worker_manager.start(**SHORT_LEASE)
    assert_done_with_every_byte(instrument_file, sha256, attempts=2)


def test_killed_while_writing_the_results(worker_manager, uploaded):
    instrument_file, sha256 = uploaded
    run = instrument_file.runs.get()
    first = worker_manager.start(**SHORT_LEASE)
    wait_for(
        lambda: run_status(run) == RunStatus.RUNNING,
        timeout=60,
        interval=0.02,
        what="the task to start",
    )
    with file_row_locked(instrument_file):
        # The extraction finishes; storing its results needs the file's row: it waits.
        wait_for(a_worker_waits_for_the_lock, timeout=120, what="the results to be written")
        first.kill()
    recover_once_the_lease_is_out(run)
    worker_manager.start(**SHORT_LEASE)
    assert_done_with_every_byte(instrument_file, sha256, attempts=2)
