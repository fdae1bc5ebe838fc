"""Running one queued extraction in a worker: lock, lease, read in a child process, store.

:func:`extraction_run_execute` is idempotent: a run that already finished, that a newer run
superseded, or that a live worker holds (:mod:`lims.files.runs.lease`) is not redone, and
results are written only by the lease's holder while the run is still the file's latest (one
guard, :func:`_lock_current`, decides). Unreadable files are ``failed`` results, never
exceptions; storage and database errors are raised for the task to retry.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from extraction import FileGroup
from lims.core.storage import local_copy
from lims.files.models import (
    CompanionFile,
    ExtractionRun,
    ExtractionStatus,
    InstrumentFile,
    RunStatus,
)
from lims.files.runs.child import extraction_child
from lims.files.runs.lease import lease_kept, lease_take, lease_valid
from lims.files.runs.results import result_apply
from lims.files.runs.services import MAX_ATTEMPTS

log = logging.getLogger(__name__)

#: The file's JSON columns an extraction writes whole (often hundreds of kB): never read to
#: run or to record one.
EXTRACTED_JSON = ("metadata", "signals", "original_metadata")

FINISHED_RUN_STATUSES = (
    RunStatus.DONE,
    RunStatus.FAILED,
    RunStatus.UNSUPPORTED,
    RunStatus.SUPERSEDED,
)


class StorageUnavailable(OSError):
    """A file's bytes cannot be reached right now (a share unmounted, storage down): retry."""


def run_lock(run_id: int) -> tuple[ExtractionRun, InstrumentFile] | None:
    """Lock a run's file and the run (in this order, always), or None when either is gone.

    The run comes with ``newer_run``: whether the file has a later run (it is no longer the
    file's latest)."""
    # found through the run and locked in one statement: a round trip less on every run;
    # what the last extraction wrote is not read (a run only overwrites it); the dataset and
    # project come along for the search entry the result's save writes
    instrument_file = (
        InstrumentFile.objects.select_for_update(of=("self",))
        .select_related("dataset__project")
        .defer(*EXTRACTED_JSON)
        .filter(runs__pk=run_id)
        .first()
    )
    if instrument_file is None:
        return None
    newer = ExtractionRun.objects.filter(file_id=OuterRef("file_id"), pk__gt=OuterRef("pk"))
    run = (
        ExtractionRun.objects.select_for_update(of=("self",))
        .annotate(newer_run=Exists(newer))
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        return None
    return run, instrument_file


def _supersede(run: ExtractionRun) -> None:
    run.status = RunStatus.SUPERSEDED
    run.finished_at = timezone.now()
    run.message = run.message or "Superseded by a newer request."
    run.save(update_fields=["status", "finished_at", "message"])


def _lock_current(
    run_id: int, token: str | None = None
) -> tuple[ExtractionRun, InstrumentFile] | str:
    """Lock a run that may still act on its file; else why not, in a word.

    A run that is gone, already finished (a duplicate or late message), no longer the file's
    latest (marked superseded here) or, with ``token``, leased to another worker since must
    not touch the file. Call inside a transaction.
    """
    locked = run_lock(run_id)
    if locked is None:
        return "gone"
    run, _instrument_file = locked
    if run.status in FINISHED_RUN_STATUSES:
        return f"already {run.status}"
    if token is not None and run.lease_token != token:
        return "lease lost"
    if run.newer_run:  # type: ignore[attr-defined]
        _supersede(run)
        return "superseded"
    return locked


def _run_start(run_id: int, task_id: str, worker: str) -> tuple[InstrumentFile, str] | str:
    """Mark the run started under a new lease (returned with the file); a reason (str) when
    there is nothing to do."""
    with transaction.atomic():
        # Not worth a wait for the disk: a start lost with the database (a crash in the next
        # fraction of a second) leaves a queued run the lease's holder cannot finish, and the
        # recovery sends it again (an overdue message).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        current = _lock_current(run_id)
        if isinstance(current, str):
            return current
        run, instrument_file = current
        if lease_valid(run):
            return "running elsewhere"  # a duplicate message; the holder is alive
        if run.attempts >= MAX_ATTEMPTS:
            run_finish_failed(run, instrument_file, lost_too_often(run))
            return "given up"
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.attempts += 1
        run.task_id = task_id or run.task_id
        token = lease_take(run, worker=worker)
        run.save(
            update_fields=[
                "status",
                "started_at",
                "attempts",
                "task_id",
                "lease_token",
                "lease_expires_at",
                "worker",
            ]
        )
        instrument_file.status = ExtractionStatus.RUNNING
        instrument_file.save(update_fields=["status"])
        return instrument_file, token


def lost_too_often(run: ExtractionRun) -> str:
    """Why a run whose worker was lost ``MAX_ATTEMPTS`` times is given up."""
    return (
        f"Given up after {run.attempts} attempts: the worker was lost each time "
        "(killed, or out of memory)."
    )


def run_finish_failed(run: ExtractionRun, instrument_file: InstrumentFile, message: str) -> None:
    """Record a locked run and its file as failed with ``message``."""
    now = timezone.now()
    run.status, run.message, run.finished_at = RunStatus.FAILED, message, now
    run.started_at = run.started_at or now
    run.lease_expires_at = None
    run.save(update_fields=["status", "message", "finished_at", "started_at", "lease_expires_at"])
    instrument_file.status = ExtractionStatus.FAILED
    instrument_file.status_message = message
    instrument_file.save(update_fields=["status", "status_message"])


@contextmanager
def _local_group(
    instrument_file: InstrumentFile, companions: Sequence[CompanionFile] | None = None
) -> Iterator[Any]:
    """The file and its companions (read unless given) as local paths with their own names in
    ONE folder.

    Readers find a ``.emi``'s ``.ser`` files by name beside it; files on object storage are
    copied to a temporary folder, and files whose stored names differ are linked there.
    """
    if companions is None:
        companions = list(instrument_file.companions.all())
    members: list[tuple[str, Any]] = [(instrument_file.original_name, instrument_file)]
    members += [(c.original_name, c) for c in companions]
    with ExitStack() as stack:
        local: list[tuple[str, Path]] = []
        for name, member in members:
            if member.external_path:
                path = Path(member.external_path)
                if not path.is_file():
                    raise StorageUnavailable(f"'{path}' cannot be reached.")
            elif member.stored_file:
                storage, stored_name = member.stored_file.storage, member.stored_file.name
                try:
                    path = stack.enter_context(local_copy(storage, stored_name))
                except FileNotFoundError as exc:
                    raise StorageUnavailable(f"'{stored_name}' is missing from storage.") from exc
            else:
                raise StorageUnavailable(f"'{name}' has no bytes stored.")
            local.append((name, path))
        folders = {path.parent for _, path in local}
        if len(folders) > 1 or any(path.name != name for name, path in local):
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lims-group-")))
            linked = []
            for name, path in local:
                target = folder / name
                target.symlink_to(path.resolve())
                linked.append((name, target))
            local = linked
        paths = [path for _, path in local]
        yield FileGroup(paths[0], tuple(paths[1:]))


def extraction_run_execute(*, run_id: int, task_id: str = "", worker: str = "") -> str:
    """Run one queued extraction and store its results; returns what happened, in a word.

    Idempotent: a run that already finished, that a newer run superseded or that a live
    worker holds is not redone, and results are written only by the lease's holder while the
    run is still the file's latest. The lease is renewed while this works. Raises
    :class:`OSError` (storage) or database errors for the task to retry; an unreadable file is
    a ``failed`` result, never an exception. ``worker`` names this worker (its Celery node).
    """
    started = _run_start(run_id, task_id, worker)
    if isinstance(started, str):
        return started
    instrument_file, token = started
    with lease_kept(run_id, token):
        return _extract_and_store(run_id, token, instrument_file)


def _extract_and_store(run_id: int, token: str, instrument_file: InstrumentFile) -> str:
    # The bytes were hashed on their way in: extraction need not read them all again.
    companions = list(instrument_file.companions.all())
    known_sha256 = {instrument_file.original_name: instrument_file.sha256}
    known_sha256.update((c.original_name, c.sha256) for c in companions)
    with tempfile.TemporaryDirectory(prefix="lims-previews-") as previews_dir:
        with _local_group(instrument_file, companions) as group:
            child = extraction_child()
            result = child.extract(
                group,
                previews_dir=Path(previews_dir),
                full=True,
                timeout_s=settings.LIMS_EXTRACTION_TIMEOUT_S,
                memory_limit_mb=settings.LIMS_EXTRACTION_MEMORY_MB,
                known_sha256=known_sha256,
            ).to_dict()
        stats = child.stats
        log.info(
            "run %s: %s in %.3f s by extraction child %s (file %s of it)%s",
            run_id,
            result.get("status"),
            result.get("duration_s") or 0.0,
            stats.pid,
            stats.files,
            f"; child replaced: {stats.replaced}" if stats.replaced else "",
        )
        with transaction.atomic():
            current = _lock_current(run_id, token)
            if isinstance(current, str):
                return current
            run, instrument_file = current
            result_apply(run=run, file=instrument_file, result=result)
            return run.status


def extraction_run_fail(*, run_id: int, message: str) -> None:
    """Record that a run could not be done (time limit, storage that never came back)."""
    with transaction.atomic():
        current = _lock_current(run_id)
        if not isinstance(current, str):
            run_finish_failed(*current, message)
