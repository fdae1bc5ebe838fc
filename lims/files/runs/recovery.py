"""Recovering extractions that nobody will finish: every file reaches a final state.

:func:`extraction_runs_recover` is run every ``LIMS_RUN_RECOVERY_INTERVAL_S`` by beat, by
``manage.py recover_lost_runs`` and by the button on the facility's operations page. It finds

* runs whose worker died (their lease expired, :mod:`lims.files.runs.lease`): sent to another
  worker, or given up (failed, with the reason) once lost ``MAX_ATTEMPTS`` times, so a file
  that kills every worker that reads it cannot go round for ever;
* queued runs whose task never reached the broker (``NOT_SENT``: the broker was down when the
  upload committed), or whose message is long overdue (lost by the broker): sent again;
* files left pending or running without any run that could finish them (a process that died
  between storing a file and queueing it): queued.

Sending a run twice is harmless: the worker's guard lets one attempt hold the run.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import SYSTEM, acting_user, require_facility_manager
from lims.core.tasks import queue_length
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile, RunStatus
from lims.files.runs.execute import lost_too_often, run_finish_failed, run_lock
from lims.files.runs.lease import lease_valid, runs_lost
from lims.files.runs.services import (
    EXTRACT_FILE,
    MAX_ATTEMPTS,
    NOT_SENT,
    extraction_queue,
    run_send,
)

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

log = logging.getLogger(__name__)

#: A file this young without a run may still be queued by the import that stored it.
ORPHAN_GRACE = dt.timedelta(minutes=5)


@dataclass
class Recovery:
    """What one recovery did, as lists of run (or file) ids."""

    lost: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)
    files_queued: list[int] = field(default_factory=list)
    unreachable: bool = False

    @property
    def total(self) -> int:
        """Runs and files acted on."""
        return len(self.lost) + len(self.given_up) + len(self.resent) + len(self.files_queued)

    def summary(self) -> str:
        """One sentence for people."""
        parts = [
            f"{len(self.lost)} run(s) whose worker died sent to another worker",
            f"{len(self.given_up)} given up after {MAX_ATTEMPTS} lost attempts",
            f"{len(self.resent)} queued run(s) sent again",
            f"{len(self.files_queued)} file(s) without a run queued",
        ]
        text = "; ".join(parts) + "."
        if self.unreachable:
            text += " The job queue could not be reached: the rest waits for the next recovery."
        return text


def _recover_lost(run_id: int) -> str:
    """Send again (or give up) one run whose worker died; what was done, in a word."""
    with transaction.atomic():
        locked = run_lock(run_id)
        if locked is None:
            return "gone"
        run, instrument_file = locked
        if run.status != RunStatus.RUNNING or lease_valid(run):
            return "alive"  # finished or renewed since it was listed
        if run.attempts >= MAX_ATTEMPTS:
            run_finish_failed(run, instrument_file, lost_too_often(run))
            return "given up"
        worker = f" ({run.worker})" if run.worker else ""
        run.status = RunStatus.QUEUED
        run.lease_expires_at = None
        run.task_id = str(uuid.uuid4())
        run.message = (
            f"The worker running attempt {run.attempts}{worker} stopped answering; "
            "sent to another worker."
        )
        run.save(update_fields=["status", "lease_expires_at", "task_id", "message"])
        InstrumentFile.objects.filter(pk=instrument_file.pk).update(
            status=ExtractionStatus.PENDING, status_message=""
        )
        transaction.on_commit(partial(run_send, run.pk, run.task_id))
    return "sent again"


def _extraction_backlog() -> int | None:
    """Messages still waiting in the extraction queue (None when the broker cannot say)."""
    try:
        return queue_length(settings.CELERY_TASK_ROUTES[EXTRACT_FILE]["queue"])
    except Exception:  # the broker, or a transport that cannot count: assume nothing waits
        return None


def _overdue_queued(stale_after: dt.timedelta) -> list[tuple[int, str]]:
    """Queued runs never sent, or sent so long ago that no worker can still have them.

    While messages still wait in the extraction queue (a bulk import's backlog drains for
    hours), a run sent long ago is most likely among them, not lost: sending every such run
    again would pile up duplicates by the ten thousand. Its turn comes once the queue is
    empty.
    """
    cutoff = timezone.now() - stale_after
    lost = Q(message=NOT_SENT)
    if not _extraction_backlog():
        lost |= Q(last_sent__lt=cutoff)
    return list(
        ExtractionRun.objects.filter(status=RunStatus.QUEUED)
        .annotate(last_sent=Coalesce(F("sent_at"), F("queued_at")))
        .filter(lost)
        .order_by("id")
        .values_list("id", "task_id")
    )


def _files_without_runs() -> list[InstrumentFile]:
    """Live files waiting for an extraction that no queued or running run will do."""
    busy = ExtractionRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).values(
        "file_id"
    )
    waiting = InstrumentFile.objects.live().filter(
        status__in=[ExtractionStatus.PENDING, ExtractionStatus.RUNNING],
        uploaded_at__lt=timezone.now() - ORPHAN_GRACE,
    )
    return list(waiting.exclude(pk__in=busy).order_by("id"))


def extraction_runs_recover(
    *, user: AnyUser = SYSTEM, stale_after: dt.timedelta | None = None
) -> Recovery:
    """Make sure every file's extraction will finish; see the module's docstring.

    ``stale_after`` is how long a queued run's message may wait before it is taken for lost
    (by default the hard time limit plus ``LIMS_RUN_RECOVERY_GRACE_S``). Facility managers
    (and the system) only. A broker that cannot be reached stops the sending, not the rest.
    """
    require_facility_manager(user, "Only facility managers recover extractions.")
    stale_after = stale_after or dt.timedelta(
        seconds=settings.LIMS_EXTRACTION_HARD_TIME_LIMIT_S + settings.LIMS_RUN_RECOVERY_GRACE_S
    )
    recovery = Recovery()
    for run_id in runs_lost().order_by("id").values_list("id", flat=True):
        outcome = _recover_lost(run_id)
        if outcome == "sent again":
            log.warning("run %s: its worker stopped renewing the lease; sent again", run_id)
            recovery.lost.append(run_id)
        elif outcome == "given up":
            log.error("run %s: lost %s times; given up", run_id, MAX_ATTEMPTS)
            recovery.given_up.append(run_id)
    for run_id, task_id in _overdue_queued(stale_after):
        if run_id in recovery.lost:
            continue
        if not run_send(run_id, task_id or str(uuid.uuid4())):
            recovery.unreachable = True
            break
        log.warning("run %s: queued but not taken by any worker; sent again", run_id)
        recovery.resent.append(run_id)
    for instrument_file in _files_without_runs():
        with transaction.atomic():
            extraction_queue(file=instrument_file)
        recovery.files_queued.append(instrument_file.pk)
    if recovery.total and acting_user(user) is not None:
        audit_record(
            action=AuditAction.REEXTRACT,
            actor=user,
            detail={
                "recovered": {
                    "lost": len(recovery.lost),
                    "given_up": len(recovery.given_up),
                    "resent": len(recovery.resent),
                    "files_queued": len(recovery.files_queued),
                }
            },
        )
    return recovery
