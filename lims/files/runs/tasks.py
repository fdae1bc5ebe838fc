"""The extraction runs' Celery tasks; thin: each takes ids, loads, and calls a service.

``files.extract_file`` goes to the "extraction" queue, everything else to "default" (see
``CELERY_TASK_ROUTES``). Tasks acknowledge late and are rejected back to the queue when their
worker is lost, so a killed worker loses no work; the services make running twice harmless.
Services queue these tasks by name (:mod:`lims.core.tasks`), so nothing imports this module
but the app's ``ready()``.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from celery import Task, current_app, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown
from django.conf import settings
from django.db import DatabaseError

from lims.accounts.models import User
from lims.core.permissions import SYSTEM
from lims.core.tasks import LIGHT, MAX_RETRIES, RETRYABLE
from lims.datasets.models import Dataset
from lims.files.runs import execute, recovery, services
from lims.files.runs.child import extraction_child

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

log = logging.getLogger(__name__)

#: the queue ``files.extract_file`` is routed to (``CELERY_TASK_ROUTES``)
EXTRACTION_QUEUE = settings.CELERY_TASK_ROUTES[services.EXTRACT_FILE]["queue"]

#: Numeric libraries in the extraction child use one thread: parallelism comes from worker
#: processes (``-c N``, more workers), and thread pools on top of them only fight for cores.
SINGLE_THREADED = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
}


@worker_process_init.connect
def _one_thread_per_extraction(**_: object) -> None:
    """In each pool process (so in the extraction children it starts), unless configured;
    then the pool process's warm extraction child starts importing, if it will extract."""
    for name, value in SINGLE_THREADED.items():
        os.environ.setdefault(name, value)
    if _consumes(EXTRACTION_QUEUE):
        extraction_child().start()


@worker_process_shutdown.connect
def _stop_extraction_child(**_: object) -> None:
    extraction_child().close()


def _consumes(queue: str) -> bool:
    """Does this worker consume ``queue`` (``-Q``; all queues when not given)?"""
    selected = current_app.amqp.queues.consume_from
    return not selected or queue in selected


def _countdown(retries: int) -> int:
    return min(5 * 2**retries, 300)


def _user(user_id: int | None) -> AnyUser:
    """The user who asked, or SYSTEM for work nobody asked for (or a user since deleted)."""
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return user if user is not None else SYSTEM


@shared_task(
    name=services.EXTRACT_FILE,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.LIMS_EXTRACTION_SOFT_TIME_LIMIT_S,
    time_limit=settings.LIMS_EXTRACTION_HARD_TIME_LIMIT_S,
)
def extract_file(self: Task, run_id: int) -> str:
    """Run the extraction recorded as ``ExtractionRun(run_id)``."""
    try:
        return execute.extraction_run_execute(
            run_id=run_id, task_id=self.request.id or "", worker=self.request.hostname or ""
        )
    except SoftTimeLimitExceeded:
        execute.extraction_run_fail(
            run_id=run_id,
            message=(
                f"Extraction did not finish within {settings.LIMS_EXTRACTION_SOFT_TIME_LIMIT_S} s."
            ),
        )
        return "timed out"
    except RETRYABLE as exc:
        if self.request.retries >= MAX_RETRIES:
            log.error("run %s: giving up after %s retries: %s", run_id, MAX_RETRIES, exc)
            try:
                execute.extraction_run_fail(
                    run_id=run_id,
                    message=f"Given up after {MAX_RETRIES + 1} attempts: {exc}",
                )
            except DatabaseError:
                log.exception("run %s: could not record the failure", run_id)
            return "given up"
        log.warning("run %s: retrying after %s", run_id, exc)
        raise self.retry(exc=exc, countdown=_countdown(self.request.retries)) from exc


@shared_task(name=services.REEXTRACT_DATASET, **LIGHT)
def reextract_dataset(dataset_id: int, user_id: int | None = None) -> int:
    """Queue a new extraction of every file of a dataset (light work: it only sends tasks)."""
    dataset = Dataset.objects.select_related("project").filter(pk=dataset_id).first()
    if dataset is None:
        return 0
    return services.dataset_reextract_run(dataset=dataset, user=_user(user_id))


@shared_task(name=services.REEXTRACT_OUTDATED, **LIGHT)
def reextract_outdated(user_id: int | None = None) -> int:
    """Queue a new extraction of every file extracted by an older extractor version."""
    return services.files_reextract_outdated(user=_user(user_id))


@shared_task(name=services.RECOVER_LOST_RUNS, **LIGHT)
def recover_lost_runs() -> int:
    """Send again the runs whose worker died or whose message was lost (see
    :func:`lims.files.runs.recovery.extraction_runs_recover`); how many runs and files."""
    return recovery.extraction_runs_recover().total
