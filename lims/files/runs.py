"""Extraction runs: queueing a file's extraction, running it in a worker, storing the result.

Every attempt is an :class:`~lims.files.models.ExtractionRun`; the file's status follows its
latest run. A worker runs :func:`extraction_run_execute`, which reads the file through storage
in a child process and writes the results back only while its run is still the file's latest,
so a late or duplicate message never overwrites a newer result.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lims.accounts.models import User
from lims.core.storage import delete_stored_after_commit, local_copy
from lims.datasets.models import Dataset
from lims.files.models import (
    ExtractionRun,
    ExtractionStatus,
    InstrumentFile,
    RunStatus,
    SignalPreview,
)

log = logging.getLogger(__name__)

#: A run whose worker was lost this many times (killed, out of memory) is given up.
MAX_ATTEMPTS = 3
FINISHED_RUN_STATUSES = (
    RunStatus.DONE,
    RunStatus.FAILED,
    RunStatus.UNSUPPORTED,
    RunStatus.SUPERSEDED,
)
_RESULT_STATUS = {
    "ok": (ExtractionStatus.DONE, RunStatus.DONE),
    "failed": (ExtractionStatus.FAILED, RunStatus.FAILED),
    "unsupported": (ExtractionStatus.UNSUPPORTED, RunStatus.UNSUPPORTED),
}


class StorageUnavailable(OSError):
    """A file's bytes cannot be reached right now (a share unmounted, storage down): retry."""


def _user_or_none(user: Any) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def extraction_queue(*, file: InstrumentFile, user: User | None = None) -> ExtractionRun:
    """Request an extraction of ``file``: a new queued run, sent to a worker on commit.

    Older runs still waiting in the queue are superseded at once; one already running finds
    out when it finishes, and leaves its results unwritten.
    """
    from extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION
    from lims.files.tasks import extract_file

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
            requested_by=_user_or_none(user),
        )
        InstrumentFile.objects.filter(pk=file.pk).update(
            status=ExtractionStatus.PENDING, status_message=""
        )
        file.status, file.status_message = ExtractionStatus.PENDING, ""
        run_id, task_id = run.pk, run.task_id
        countdown = _companion_wait(file)
        transaction.on_commit(
            lambda: extract_file.apply_async(args=[run_id], task_id=task_id, countdown=countdown)
        )
    return run


def _companion_wait(file: InstrumentFile) -> float:
    """Seconds to wait before extracting: a ``.emi``/``.rpl`` without its data files yet will
    most likely get them in a moment (they are uploaded one after the other), and a run
    started now would only be superseded."""
    from extraction import companion_patterns

    if not companion_patterns(file.original_name) or file.companions.exists():
        return 0
    return float(settings.LIMS_COMPANION_WAIT_S)


def extraction_runs_recover(*, stale_after: dt.timedelta | None = None) -> int:
    """Send again the runs whose task message was lost, and return how many.

    A run still queued or running long after any task could have finished (the broker lost
    its message, or a worker was killed at the hard time limit) would otherwise stay so for
    ever. Sending its task again is safe: a run that finished meanwhile, or that a newer run
    replaced, is left alone by the worker, and a run lost ``MAX_ATTEMPTS`` times is given up.
    """
    from lims.files.tasks import extract_file

    stale_after = stale_after or dt.timedelta(
        seconds=settings.LIMS_EXTRACTION_HARD_TIME_LIMIT_S + settings.LIMS_RUN_RECOVERY_GRACE_S
    )
    cutoff = timezone.now() - stale_after
    stale = ExtractionRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING], queued_at__lt=cutoff
    ).exclude(status=RunStatus.RUNNING, started_at__gte=cutoff)
    count = 0
    for run_id, task_id in stale.values_list("id", "task_id"):
        log.warning("run %s: no worker has finished it; sending it again", run_id)
        extract_file.apply_async(args=[run_id], task_id=task_id or None)
        count += 1
    return count


def file_reextract(*, file: InstrumentFile, user: User | None) -> ExtractionRun:
    """Extract ``file`` again (after a reader fix, a new extractor version)."""
    return extraction_queue(file=file, user=user)


@transaction.atomic
def dataset_reextract(*, dataset: Dataset, user: User | None) -> int:
    """Extract every file of ``dataset`` again; returns how many were queued."""
    count = 0
    for instrument_file in dataset.files.all().iterator():
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
    from extraction import EXTRACTOR_VERSION

    current = _version_key(EXTRACTOR_VERSION)
    versions = InstrumentFile.objects.values_list("extractor_version", flat=True).distinct()
    older = [v for v in versions if not v or _version_key(v) < current]
    return InstrumentFile.objects.filter(extractor_version__in=older).exclude(
        status__in=[ExtractionStatus.PENDING, ExtractionStatus.RUNNING]
    )


def files_reextract_outdated(*, user: User | None = None) -> int:
    """Queue every file extracted by an older extractor version; returns how many."""
    count = 0
    for instrument_file in files_outdated().order_by("id").iterator():
        extraction_queue(file=instrument_file, user=user)
        count += 1
    return count


def _lock(run_id: int) -> tuple[ExtractionRun, InstrumentFile] | None:
    """Lock a run's file and the run (in this order, always), or None when either is gone."""
    file_id = ExtractionRun.objects.filter(pk=run_id).values_list("file_id", flat=True).first()
    if file_id is None:
        return None
    instrument_file = InstrumentFile.objects.select_for_update().filter(pk=file_id).first()
    run = ExtractionRun.objects.select_for_update().filter(pk=run_id).first()
    if instrument_file is None or run is None:
        return None
    return run, instrument_file


def _is_latest(run: ExtractionRun) -> bool:
    return not ExtractionRun.objects.filter(file_id=run.file_id, pk__gt=run.pk).exists()


def _supersede(run: ExtractionRun) -> None:
    run.status = RunStatus.SUPERSEDED
    run.finished_at = timezone.now()
    run.message = run.message or "Superseded by a newer request."
    run.save(update_fields=["status", "finished_at", "message"])


def _lock_current(run_id: int) -> tuple[ExtractionRun, InstrumentFile] | str:
    """Lock a run that may still act on its file; else why not, in a word.

    A run that is gone, already finished (a duplicate or late message) or no longer the
    file's latest (marked superseded here) must not touch the file. Call inside a transaction.
    """
    locked = _lock(run_id)
    if locked is None:
        return "gone"
    run, _instrument_file = locked
    if run.status in FINISHED_RUN_STATUSES:
        return f"already {run.status}"
    if not _is_latest(run):
        _supersede(run)
        return "superseded"
    return locked


def _run_start(run_id: int, task_id: str) -> InstrumentFile | str:
    """Mark the run started; a reason (str) when there is nothing to do."""
    with transaction.atomic():
        current = _lock_current(run_id)
        if isinstance(current, str):
            return current
        run, instrument_file = current
        if run.attempts >= MAX_ATTEMPTS:
            message = (
                f"Given up after {run.attempts} attempts: the worker was lost each time "
                "(killed, or out of memory)."
            )
            _finish_failed(run, instrument_file, message)
            return "given up"
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.attempts += 1
        run.task_id = task_id or run.task_id
        run.save(update_fields=["status", "started_at", "attempts", "task_id"])
        instrument_file.status = ExtractionStatus.RUNNING
        instrument_file.save(update_fields=["status"])
        return instrument_file


def _finish_failed(run: ExtractionRun, instrument_file: InstrumentFile, message: str) -> None:
    now = timezone.now()
    run.status, run.message, run.finished_at = RunStatus.FAILED, message, now
    run.started_at = run.started_at or now
    run.save(update_fields=["status", "message", "finished_at", "started_at"])
    instrument_file.status = ExtractionStatus.FAILED
    instrument_file.status_message = message
    instrument_file.save(update_fields=["status", "status_message"])


@contextmanager
def _local_group(instrument_file: InstrumentFile) -> Iterator[Any]:
    """The file and its companions as local paths with their own names in ONE folder.

    Readers find a ``.emi``'s ``.ser`` files by name beside it; files on object storage are
    copied to a temporary folder, and files whose stored names differ are linked there.
    """
    from extraction import FileGroup

    members: list[tuple[str, Any]] = [(instrument_file.original_name, instrument_file)]
    members += [(c.original_name, c) for c in instrument_file.companions.all()]
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


def extraction_run_execute(*, run_id: int, task_id: str = "") -> str:
    """Run one queued extraction and store its results; returns what happened, in a word.

    Idempotent: a run that already finished, or that a newer run superseded, is not redone,
    and results are written only while the run is still the file's latest. Raises
    :class:`OSError` (storage) or database errors for the task to retry; an unreadable file is
    a ``failed`` result, never an exception.
    """
    from extraction import extract_isolated

    started = _run_start(run_id, task_id)
    if isinstance(started, str):
        return started
    instrument_file = started
    # The bytes were hashed on their way in: extraction need not read them all again.
    known_sha256 = {instrument_file.original_name: instrument_file.sha256}
    known_sha256.update(instrument_file.companions.values_list("original_name", "sha256"))
    with tempfile.TemporaryDirectory(prefix="lims-previews-") as previews_dir:
        with _local_group(instrument_file) as group:
            result = extract_isolated(
                group,
                previews_dir=Path(previews_dir),
                full=True,
                timeout_s=settings.LIMS_EXTRACTION_TIMEOUT_S,
                memory_limit_mb=settings.LIMS_EXTRACTION_MEMORY_MB,
                known_sha256=known_sha256,
            ).to_dict()
        with transaction.atomic():
            current = _lock_current(run_id)
            if isinstance(current, str):
                return current
            run, instrument_file = current
            _apply_result(run, instrument_file, result)
            return run.status


def extraction_run_fail(*, run_id: int, message: str) -> None:
    """Record that a run could not be done (time limit, storage that never came back)."""
    with transaction.atomic():
        current = _lock_current(run_id)
        if not isinstance(current, str):
            _finish_failed(*current, message)


def _clean_json(value: Any) -> Any:
    """JSON that PostgreSQL's jsonb accepts: no NUL characters in strings."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _apply_result(run: ExtractionRun, instrument_file: InstrumentFile, result: dict) -> None:
    """Write an extraction result into the file's fields, previews and the run."""
    from lims.instruments.services import instrument_for_microscope

    file_status, run_status = _RESULT_STATUS.get(
        result.get("status", "failed"), _RESULT_STATUS["failed"]
    )
    summary = result.get("summary") or {}
    signals = result.get("signals") or []
    old_images = [instrument_file.preview, instrument_file.thumbnail]
    old_images += [f for p in instrument_file.previews.all() for f in (p.image, p.thumbnail)]
    old_names = {(f.storage, f.name) for f in old_images if f}

    instrument_file.status = file_status
    instrument_file.status_message = result.get("error") or ""
    instrument_file.reader = (result.get("reader") or "")[:100]
    instrument_file.format_label = (result.get("format") or "")[:100]
    instrument_file.extractor_version = result.get("extractor_version") or ""
    instrument_file.metadata = _clean_json({**summary, "signals_count": len(signals)})
    heavy = {"original_metadata", "hyperspy_metadata", "previews"}
    instrument_file.signals = _clean_json(
        [{k: v for k, v in s.items() if k not in heavy} for s in signals]
    )
    instrument_file.original_metadata = _clean_json(
        {"signals": [s.get("original_metadata") for s in signals]} if signals else {}
    )
    instrument_file.acquired_at = _parse_datetime(summary.get("acquired_at"))
    instrument_file.instrument = instrument_for_microscope(summary.get("microscope"))
    instrument_file.preview = instrument_file.thumbnail = None

    instrument_file.previews.all().delete()
    primary_index = summary.get("primary_signal")
    for position, signal in enumerate(signals):
        index = signal.get("index", position)
        pngs = signal.get("previews") or {}
        image = _stored_png(instrument_file, pngs.get("preview"), f"signal-{index}.png")
        thumbnail = _stored_png(
            instrument_file, pngs.get("thumbnail"), f"signal-{index}-thumbnail.png"
        )
        SignalPreview.objects.create(
            file=instrument_file,
            signal_index=index,
            title=(signal.get("title") or "")[:255],
            kind=(signal.get("kind") or "")[:40],
            image=image or "",
            thumbnail=thumbnail or "",
        )
        is_primary = index == primary_index or (primary_index is None and position == 0)
        if is_primary:  # the file's own preview is its primary signal's (same stored PNGs)
            instrument_file.preview, instrument_file.thumbnail = image or "", thumbnail or ""
    instrument_file.save()

    run.status = run_status
    run.message = (result.get("error") or "")[:10_000]
    run.finished_at = timezone.now()
    run.extractor_name = result.get("extractor") or run.extractor_name
    run.extractor_version = result.get("extractor_version") or run.extractor_version
    run.save(
        update_fields=["status", "message", "finished_at", "extractor_name", "extractor_version"]
    )
    delete_stored_after_commit(old_names)


def _stored_png(instrument_file: InstrumentFile, path: str | None, name: str) -> str | None:
    """Save a rendered PNG through the storage API (not by path); returns its stored name."""
    if not path or not Path(path).is_file():
        return None
    storage = instrument_file.preview.storage
    uid = str(instrument_file.uid)
    with Path(path).open("rb") as handle:
        return storage.save(f"previews/{uid[:2]}/{uid}/{name}", File(handle, name=name))
