"""Leases on running extractions, and the recovery of what nobody will finish."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from lims.audit.models import AuditEvent
from lims.files.ingest.services import file_ingest
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile, RunStatus
from lims.files.runs import execute
from lims.files.runs.lease import lease_kept, runs_lost
from lims.files.runs.recovery import extraction_runs_recover
from lims.files.runs.services import MAX_ATTEMPTS
from tests.factories import DatasetFactory, FacilityManagerFactory, UserFactory
from tests.worker import purge_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument_file(samples):
    dataset = DatasetFactory()
    return file_ingest(
        dataset=dataset, upload=samples / "msa/example1.msa", user=dataset.created_by
    ).file


def running(run: ExtractionRun, *, lease_in_s: float, attempts: int = 1, token: str = "t1"):
    """Make ``run`` look started by a worker whose lease ends ``lease_in_s`` from now."""
    ExtractionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        attempts=attempts,
        lease_token=token,
        worker="celery@host-b pid 4242",
        lease_expires_at=timezone.now() + dt.timedelta(seconds=lease_in_s),
    )
    InstrumentFile.objects.filter(pk=run.file_id).update(status=ExtractionStatus.RUNNING)


def test_a_run_held_by_a_live_worker_is_not_started_twice(instrument_file):
    run = instrument_file.runs.get()
    running(run, lease_in_s=60)
    # A duplicate message (the broker delivered it again) finds the run held: nothing done.
    assert execute.extraction_run_execute(run_id=run.pk) == "running elsewhere"
    run.refresh_from_db()
    assert (run.status, run.attempts, run.lease_token) == (RunStatus.RUNNING, 1, "t1")
    # Once the lease has run out, the worker is taken for dead and the run may start again.
    running(run, lease_in_s=-1)
    assert execute.extraction_run_execute(run_id=run.pk, worker="celery@host-c") == "done"
    run.refresh_from_db()
    assert run.attempts == 2 and run.lease_token != "t1"
    assert run.worker.startswith("celery@host-c pid ") and run.lease_expires_at is None


def test_only_the_lease_holder_writes_results(instrument_file, monkeypatch):
    run = instrument_file.runs.get()
    child = execute.extraction_child()

    class TakenOverMeanwhile:
        stats = child.stats

        def extract(self, *args, **kwargs):
            result = child.extract(*args, **kwargs)
            # While this worker read the file, its lease lapsed and another worker took over.
            ExtractionRun.objects.filter(pk=run.pk).update(lease_token="another-worker")
            return result

    monkeypatch.setattr(execute, "extraction_child", TakenOverMeanwhile)
    assert execute.extraction_run_execute(run_id=run.pk) == "lease lost"
    run.refresh_from_db()
    instrument_file.refresh_from_db()
    assert run.status == RunStatus.RUNNING and instrument_file.metadata == {}


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_the_worker_works_and_released_on_an_error(
    instrument_file, settings
):
    settings.LIMS_RUN_LEASE_S = 0.8
    run = instrument_file.runs.get()
    running(run, lease_in_s=0.8, token="mine")
    with lease_kept(run.pk, "mine"):
        time.sleep(2.0)  # longer than the lease: only the renewals keep it
        run.refresh_from_db()
        assert run.lease_expires_at > timezone.now()
        assert not runs_lost().exists()
    with pytest.raises(OSError), lease_kept(run.pk, "mine"):
        raise OSError("storage went away")  # the task retries: the lease is let go at once
    run.refresh_from_db()
    assert run.lease_expires_at <= timezone.now()
    assert list(runs_lost()) == [run]


def test_a_run_whose_worker_died_is_sent_to_another_worker(instrument_file):
    run = instrument_file.runs.get()
    running(run, lease_in_s=-5)
    recovery = extraction_runs_recover()
    assert recovery.lost == [run.pk] and recovery.total == 1
    run.refresh_from_db()
    instrument_file.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.lease_expires_at is None
    assert run.message == (
        "The worker running attempt 1 (celery@host-b pid 4242) stopped answering; "
        "sent to another worker."
    )
    assert instrument_file.status == ExtractionStatus.PENDING
    # The next worker does it.
    assert execute.extraction_run_execute(run_id=run.pk) == "done"
    run.refresh_from_db()
    assert run.attempts == 2 and run.message == ""


def test_a_run_that_kills_every_worker_is_given_up_with_the_reason(instrument_file):
    run = instrument_file.runs.get()
    running(run, lease_in_s=-5, attempts=MAX_ATTEMPTS)
    recovery = extraction_runs_recover()
    assert recovery.given_up == [run.pk] and recovery.lost == []
    instrument_file.refresh_from_db()
    assert instrument_file.status == ExtractionStatus.FAILED
    assert instrument_file.status_message == (
        f"Given up after {MAX_ATTEMPTS} attempts: the worker was lost each time "
        "(killed, or out of memory)."
    )
    assert instrument_file.stored_file.size == instrument_file.size  # the bytes stay


def test_a_live_run_and_a_queued_run_just_sent_are_left_alone(instrument_file, samples):
    running(instrument_file.runs.get(), lease_in_s=60)
    dataset = instrument_file.dataset
    other = file_ingest(
        dataset=dataset, upload=samples / "msa/example2.msa", user=dataset.created_by
    ).file
    ExtractionRun.objects.filter(file=other).update(sent_at=timezone.now())
    assert extraction_runs_recover().total == 0
    # Sent two hours ago and still not taken by any worker: its message was lost (the broker
    # lost it: the queue is empty; a message still waiting in it would not count as lost).
    ExtractionRun.objects.filter(file=other).update(sent_at=timezone.now() - dt.timedelta(hours=2))
    purge_queue("extraction")
    assert extraction_runs_recover().resent == [other.runs.get().pk]


def test_a_file_left_waiting_without_a_run_is_queued(instrument_file):
    # The import that stored it died before queueing its extraction (minutes ago).
    instrument_file.runs.all().delete()
    InstrumentFile.objects.filter(pk=instrument_file.pk).update(
        uploaded_at=timezone.now() - dt.timedelta(minutes=10)
    )
    recovery = extraction_runs_recover()
    assert recovery.files_queued == [instrument_file.pk]
    assert instrument_file.runs.get().status == RunStatus.QUEUED


def test_the_command_says_what_it_did(instrument_file, capsys):
    run = instrument_file.runs.get()
    running(run, lease_in_s=-5)
    call_command("recover_lost_runs")
    out = capsys.readouterr().out
    assert f"run {run.pk}: sent to another worker" in out
    assert "1 run(s) whose worker died sent to another worker" in out
    with pytest.raises(SystemExit) as exit_info:
        call_command("recover_lost_runs", "--queued-for", "0")
    assert exit_info.value.code == 2


def test_facility_managers_have_a_button(instrument_file, client):
    run = instrument_file.runs.get()
    running(run, lease_in_s=-5)
    url = "/facility/operations/recover/"
    client.force_login(UserFactory())
    assert client.post(url).status_code == 403
    manager = FacilityManagerFactory()
    client.force_login(manager)
    page = client.get("/facility/operations/")
    assert b"Recover lost extractions" in page.content
    assert b'data-lease="lost"' in page.content
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1] == ("/facility/operations/", 302)
    assert b"1 run(s) whose worker died sent to another worker" in response.content
    assert ExtractionRun.objects.get(pk=run.pk).status == RunStatus.QUEUED
    event = AuditEvent.objects.get(action="reextract", actor=manager)
    assert event.detail["recovered"]["lost"] == 1
    assert client.get(url).status_code == 405
