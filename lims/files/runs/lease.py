"""Leases on running extractions: a dead worker is noticed within a minute or two.

A worker that starts a run takes a lease on it (:func:`lease_take`: a token, its own name and
an expiry ``LIMS_RUN_LEASE_S`` ahead) and renews it from a helper thread for as long as it
works on the run (:func:`lease_kept`). A worker that is killed, runs out of memory or loses
its host stops renewing; once its lease has expired the run is taken for lost
(:func:`runs_lost`) and :func:`lims.files.runs.recovery.extraction_runs_recover` sends it to
another worker. Only the holder of the current lease writes a run's results, so a worker that
was merely slow to renew cannot overwrite the work of the one that took over.

The broker's own redelivery of an unacknowledged message (its visibility timeout, an hour)
stays as a second line; the lease is what decides.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from lims.files.models import ExtractionRun, RunStatus

log = logging.getLogger(__name__)

#: Renewals per lease period: a live worker may miss a few before its lease runs out.
RENEWALS_PER_LEASE = 4


def lease_seconds() -> float:
    """How long a lease lasts without renewal (``LIMS_RUN_LEASE_S``)."""
    return float(settings.LIMS_RUN_LEASE_S)


def worker_name(hostname: str = "") -> str:
    """Who holds a lease, for people: the Celery node name (or host) and the process id."""
    return f"{hostname or socket.gethostname()} pid {os.getpid()}"[:200]


def lease_valid(run: ExtractionRun) -> bool:
    """Does a live worker hold ``run`` (a running run whose lease has not expired)?"""
    return bool(
        run.status == RunStatus.RUNNING
        and run.lease_expires_at is not None
        and run.lease_expires_at > timezone.now()
    )


def lease_take(run: ExtractionRun, *, worker: str = "") -> str:
    """Give ``run`` a new lease held by this process; returns its token (save the run)."""
    run.lease_token = uuid.uuid4().hex
    run.lease_expires_at = timezone.now() + timezone.timedelta(seconds=lease_seconds())
    run.worker = worker_name(worker)
    return run.lease_token


def _renew(run_id: int, token: str) -> bool:
    """Push the lease's expiry forward; False once it is no longer ours (or the run ended).

    A run locked by this worker's own result writing is alive by definition: that renewal is
    skipped rather than waited for.
    """
    with transaction.atomic():
        held = (
            ExtractionRun.objects.select_for_update(skip_locked=True)
            .filter(pk=run_id, lease_token=token, status=RunStatus.RUNNING)
            .values_list("pk", flat=True)
        )
        if not list(held):
            return ExtractionRun.objects.filter(
                pk=run_id, lease_token=token, status=RunStatus.RUNNING
            ).exists()
        expires = timezone.now() + timezone.timedelta(seconds=lease_seconds())
        ExtractionRun.objects.filter(pk=run_id).update(lease_expires_at=expires)
    return True


@contextmanager
def lease_kept(run_id: int, token: str) -> Iterator[None]:
    """Renew the lease ``token`` on run ``run_id`` from a helper thread while the block runs.

    The thread has its own database connection (closed when it ends); a renewal that fails
    (the database briefly away) is tried again at the next beat.
    """
    stop = threading.Event()
    interval = max(lease_seconds() / RENEWALS_PER_LEASE, 0.2)

    def keep() -> None:
        try:
            while not stop.wait(interval):
                try:
                    if not _renew(run_id, token):
                        log.warning("run %s: the lease passed to another worker", run_id)
                        return
                except DatabaseError:
                    log.warning("run %s: could not renew the lease", run_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=keep, name=f"lims-lease-run-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        stop.set()
        thread.join()
        _release(run_id, token)  # the task retries or fails it; nobody should wait for us
        raise
    finally:
        stop.set()
        thread.join()


def _release(run_id: int, token: str) -> None:
    """End a lease at once (this worker stopped working on the run, for a retry or a time
    limit): a retry may start it, and the recovery finds it if nothing does."""
    try:
        ExtractionRun.objects.filter(pk=run_id, lease_token=token, status=RunStatus.RUNNING).update(
            lease_expires_at=timezone.now()
        )
    except DatabaseError:
        log.warning("run %s: could not release the lease", run_id, exc_info=True)


def runs_lost() -> QuerySet[ExtractionRun]:
    """Running runs whose worker stopped renewing their lease: the worker is gone.

    A run started before leases existed has none; it is lost once no task could still be
    running it (the hard time limit and the recovery grace after its start).
    """
    now = timezone.now()
    unleased_cutoff = now - timezone.timedelta(
        seconds=settings.LIMS_EXTRACTION_HARD_TIME_LIMIT_S + settings.LIMS_RUN_RECOVERY_GRACE_S
    )
    return ExtractionRun.objects.filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at=None, started_at__lt=unleased_cutoff),
        status=RunStatus.RUNNING,
    )
