"""Queueing extractions: one :class:`~lims.files.models.ExtractionRun` per attempt.

The file's status follows its latest run. A run's task is sent to a worker once the
transaction that created the run commits; the task is named, not imported (see
:mod:`lims.core.tasks`), and a broker that cannot be reached leaves the run queued, to be sent
again by :func:`lims.files.runs.recovery.extraction_runs_recover`. Running a queued
extraction is :mod:`lims.files.runs.execute`.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING

from django import db
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, companion_patterns
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import Action, acting_user, require
from lims.core.tasks import send, send_many
from lims.datasets.models import Dataset
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile, RunStatus

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

log = logging.getLogger(__name__)

#: The registered names of the runs' tasks (:mod:`lims.files.runs.tasks`).
EXTRACT_FILE = "files.extract_file"
REEXTRACT_DATASET = "files.reextract_dataset"
REEXTRACT_OUTDATED = "files.reextract_outdated"
RECOVER_LOST_RUNS = "files.recover_lost_runs"

#: A run whose worker was lost this many times (killed, out of memory) is given up.
MAX_ATTEMPTS = 3
#: Recorded on a run whose task could not be sent (the broker was unreachable).
NOT_SENT = "Not sent to a worker yet: the job queue could not be reached; it is sent again later."


def run_send(run_id: int, task_id: str, countdown: float = 0) -> bool:
    """Send a run's task; a broker that cannot be reached is noted on the run, not raised.

    Runs after the commit: the file and its bytes are stored whatever happens here. Returns
    whether the task reached the broker.
    """
    try:
        send(EXTRACT_FILE, args=[run_id], task_id=task_id, countdown=countdown)
    except Exception:  # any broker failure: the run stays queued and recovery sends it again
        log.warning("run %s: could not be sent to a worker", run_id, exc_info=True)
        ExtractionRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(message=NOT_SENT)
        return False
    sent = ExtractionRun.objects.filter(pk=run_id)
    sent.update(sent_at=timezone.now())
    sent.filter(message=NOT_SENT).update(message="")
    return True


def extraction_queue(*, file: InstrumentFile, user: AnyUser | None = None) -> ExtractionRun:
    """Request an extraction of ``file``: a new queued run, sent to a worker on commit.

    Older runs still waiting in the queue are superseded at once; one already running finds
    out when it finishes, and leaves its results unwritten. No permission check: callers are
    ingest (which checked the upload) and the re-extraction services below.
    """
    now = timezone.now()
    with transaction.atomic():
        file.runs.filter(status=RunStatus.QUEUED).update(
            status=RunStatus.SUPERSEDED, finished_at=now, message="Superseded by a newer request."
        )
        run = ExtractionRun.objects.create(
            file=file,
            task_id=str(uuid.uuid4()),
            extractor_name=EXTRACTOR_NAME,
            extractor_version=EXTRACTOR_VERSION,
            requested_by=acting_user(user),
        )
        InstrumentFile.objects.filter(pk=file.pk).update(
            status=ExtractionStatus.PENDING, status_message=""
        )
        file.status, file.status_message = ExtractionStatus.PENDING, ""
        transaction.on_commit(partial(run_send, run.pk, run.task_id, _companion_wait(file)))
    return run


def extraction_queue_new(
    *,
    files: Sequence[InstrumentFile],
    user: AnyUser | None = None,
    dispatch: Callable[[list[tuple[int, str]]], None] | None = None,
) -> list[ExtractionRun]:
    """Queue the first extraction of many new files at once (a bulk import's batch): one
    INSERT for their runs, their tasks sent over one broker connection after the commit
    (by ``dispatch``, e.g. a :class:`RunDispatcher`'s ``submit``, when given).

    For files that have no run yet and whose companions are all there (so no run to
    supersede and nothing to wait for); otherwise use :func:`extraction_queue`. Call inside
    the transaction that created the files.
    """
    requested_by = acting_user(user)
    runs = ExtractionRun.objects.bulk_create(
        ExtractionRun(
            file=file,
            task_id=str(uuid.uuid4()),
            extractor_name=EXTRACTOR_NAME,
            extractor_version=EXTRACTOR_VERSION,
            requested_by=requested_by,
        )
        for file in files
    )
    pending = [(run.pk, run.task_id) for run in runs]
    if pending:
        transaction.on_commit(partial(dispatch or _dispatch_many, pending))
    return runs


class RunDispatcher:
    """Sends runs' tasks from a thread of its own, in the order submitted, so that a bulk
    import goes on with its next batch while the last one's messages go out.

    ``close()`` waits until everything submitted was sent (or noted as not sent). Runs whose
    process died before they were sent stay queued; :func:`extraction_runs_recover` sends them.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[list[tuple[int, str]] | None] = queue.Queue()
        self.submitted = 0
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="run-dispatcher", daemon=True)
        self._thread.start()

    def submit(self, runs: list[tuple[int, str]]) -> None:
        """Send these runs' tasks soon (call after the commit that created them)."""
        self.submitted += len(runs)
        self._queue.put(runs)

    def _run(self) -> None:
        try:
            while (runs := self._queue.get()) is not None:
                _dispatch_many(runs)
                self.sent += len(runs)
        finally:
            db.connection.close()  # this thread's own connection, opened on a broker error

    def close(self) -> None:
        """Wait until every submitted run's task has been sent."""
        self._queue.put(None)
        self._thread.join()


def _dispatch_many(runs: list[tuple[int, str]]) -> None:
    """Send many runs' tasks; those a broker failure left unsent are noted, not raised."""
    sent = 0
    try:
        for sent_now in _send_in_chunks(runs):
            sent += sent_now
    except Exception:  # the broker: the rest stay queued and recovery sends them again
        log.warning("%s runs could not be sent to a worker", len(runs) - sent, exc_info=True)
        unsent = [run_id for run_id, _ in runs[sent:]]
        ExtractionRun.objects.filter(pk__in=unsent, status=RunStatus.QUEUED).update(
            message=NOT_SENT
        )


def _send_in_chunks(runs: list[tuple[int, str]], size: int = 1000) -> Iterator[int]:
    for start in range(0, len(runs), size):
        chunk = runs[start : start + size]
        sent = send_many(EXTRACT_FILE, (([run_id], task_id) for run_id, task_id in chunk))
        ExtractionRun.objects.filter(pk__in=[run_id for run_id, _ in chunk]).update(
            sent_at=timezone.now()
        )
        yield sent


def _companion_wait(file: InstrumentFile) -> float:
    """Seconds to wait before extracting: a ``.emi``/``.rpl`` without its data files yet will
    most likely get them in a moment (they are uploaded one after the other), and a run
    started now would only be superseded."""
    if not companion_patterns(file.original_name) or file.companions.exists():
        return 0
    return float(settings.LIMS_COMPANION_WAIT_S)


def file_reextract(*, file: InstrumentFile, user: AnyUser) -> ExtractionRun:
    """Extract ``file`` again (after a reader fix, a new extractor version): managers only."""
    require(user, Action.MANAGE, file, "Re-extraction is for the project's managers.")
    run = extraction_queue(file=file, user=user)
    audit_record(action=AuditAction.REEXTRACT, actor=user, target=file, detail={"run": run.pk})
    return run


def dataset_reextract(*, dataset: Dataset, user: AnyUser) -> int:
    """Ask for every file of ``dataset`` to be extracted again; returns how many files.

    The request only queues one light task (:func:`dataset_reextract_run` does the work in a
    worker), so a dataset of any size answers at once.
    """
    require(user, Action.MANAGE, dataset, "Re-extraction is for the project's managers.")
    count = dataset.files.live().count()
    audit_record(action=AuditAction.REEXTRACT, actor=user, target=dataset, detail={"files": count})
    actor = acting_user(user)
    user_id = actor.pk if actor is not None else None
    transaction.on_commit(partial(send, REEXTRACT_DATASET, args=[dataset.pk, user_id]))
    return count


def dataset_reextract_run(*, dataset: Dataset, user: AnyUser) -> int:
    """Queue a run for every file of ``dataset`` (the worker side of dataset_reextract)."""
    require(user, Action.MANAGE, dataset, "Re-extraction is for the project's managers.")
    count = 0
    for instrument_file in dataset.files.live().order_by("id").iterator():
        with transaction.atomic():
            extraction_queue(file=instrument_file, user=user)
        count += 1
    return count


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def files_outdated() -> QuerySet[InstrumentFile]:
    """Files last extracted by an older extractor version (or never successfully extracted)."""
    current = _version_key(EXTRACTOR_VERSION)
    files = InstrumentFile.objects.live()
    versions = files.values_list("extractor_version", flat=True).distinct()
    older = [v for v in versions if not v or _version_key(v) < current]
    return files.filter(extractor_version__in=older).exclude(
        status__in=[ExtractionStatus.PENDING, ExtractionStatus.RUNNING]
    )


def files_reextract_outdated(*, user: AnyUser) -> int:
    """Queue every file extracted by an older extractor version; facility managers only."""
    count = 0
    for instrument_file in files_outdated().order_by("id").iterator():
        require(user, Action.MANAGE, instrument_file, "Re-extraction is for managers.")
        with transaction.atomic():
            extraction_queue(file=instrument_file, user=user)
        count += 1
    if count:
        audit_record(action=AuditAction.REEXTRACT, actor=user, detail={"outdated_files": count})
    return count
