"""Deleting and restoring instrument files, and purging the whole trash.

Deleting (``file_trash``, and ``dataset_trash`` / ``project_trash`` in their apps) only marks
a row: it disappears for everyone at once (:mod:`lims.core.permissions` leaves the trash out
of every ``visible_to``) and can be restored by the project's managers. :func:`trash_purge`,
run daily, deletes for good what has been in the trash longer than
``LIMS_TRASH_RETENTION_DAYS``: the rows, and once they are gone, the stored bytes (originals,
companions, previews, thumbnails). Files registered in place on a facility share are never
deleted from the share: only their records go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import SYSTEM, Action, in_trash, require
from lims.core.storage import delete_stored_after_commit
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile, UploadSession, UploadStatus
from lims.files.uploads.services import upload_session_abort
from lims.projects.models import Project

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    from lims.core.permissions import AnyUser


@transaction.atomic
def file_trash(*, file: InstrumentFile, user: AnyUser) -> InstrumentFile:
    """Move ``file`` to the trash (the project's managers): gone for everyone at once, it can
    be restored until the trash is purged."""
    require(user, Action.MANAGE, file, "Only the project's managers may delete files.")
    if file.trash_mark(user):
        audit_record(action=AuditAction.TRASHED, actor=user, target=file)
    return file


@transaction.atomic
def file_restore(*, file: InstrumentFile, user: AnyUser) -> InstrumentFile:
    """Bring ``file`` back from the trash; its dataset must not be in the trash itself."""
    require(user, Action.MANAGE, file, "Only the project's managers may restore files.")
    if file.deleted_at is None:
        return file
    if in_trash(file.dataset):
        raise ValidationError("Its dataset is in the trash: restore the dataset instead.")
    file.trash_unmark()
    audit_record(action=AuditAction.RESTORED, actor=user, target=file)
    return file


def retention() -> dt.timedelta:
    """How long deleted things stay restorable."""
    return dt.timedelta(days=settings.LIMS_TRASH_RETENTION_DAYS)


def _stored_bytes(files: QuerySet[InstrumentFile]) -> Iterator[tuple[Storage, str]]:
    """Every stored object of these files: originals, companions, previews, thumbnails."""
    for instrument_file in files.prefetch_related("companions", "previews").iterator(
        chunk_size=500
    ):
        fields: list[Any] = [
            instrument_file.stored_file,
            instrument_file.preview,
            instrument_file.thumbnail,
        ]
        fields += [c.stored_file for c in instrument_file.companions.all()]
        fields += [f for p in instrument_file.previews.all() for f in (p.image, p.thumbnail)]
        yield from ((field.storage, field.name) for field in fields if field)


def _abort_uploads(datasets: QuerySet[Dataset]) -> None:
    """Chunked uploads still arriving into purged datasets: their partial bytes go too."""
    receiving = UploadSession.objects.filter(dataset__in=datasets, status=UploadStatus.RECEIVING)
    for session in receiving.iterator():
        upload_session_abort(session=session)


@dataclass(frozen=True)
class Purged:
    """How many of each were deleted for good."""

    projects: int = 0
    datasets: int = 0
    files: int = 0


def _purge(rows: Iterable[Any], files: QuerySet[InstrumentFile]) -> int:
    """Delete ``rows`` (with everything under them) and, after the commit, ``files``' bytes."""
    delete_stored_after_commit(list(_stored_bytes(files)))
    count = 0
    for row in rows:
        audit_record(
            action=AuditAction.PURGED,
            actor=SYSTEM,
            target=row,
            detail={"deleted_at": row.deleted_at.isoformat()},
        )
        row.delete()
        count += 1
    return count


def trash_purge(*, older_than: dt.timedelta | None = None) -> Purged:
    """Delete for good what has been in the trash longer than ``older_than`` (the retention
    by default), with its stored bytes; returns how many projects, datasets and files.

    Run daily by the ``files.purge_trash`` task (and ``manage.py purge_trash``). Each project,
    dataset and file goes in a transaction of its own: bytes are deleted only once their rows
    are gone.
    """
    cutoff = timezone.now() - (older_than if older_than is not None else retention())
    counts = {"projects": 0, "datasets": 0, "files": 0}
    expired_projects = Project.objects.filter(deleted_at__lt=cutoff).order_by("id")
    for project in expired_projects.iterator():
        with transaction.atomic():
            datasets = Dataset.objects.filter(project=project)
            _abort_uploads(datasets)
            files = InstrumentFile.objects.filter(dataset__project=project)
            counts["projects"] += _purge([project], files)
    expired_datasets = Dataset.objects.filter(deleted_at__lt=cutoff).order_by("id")
    for dataset in expired_datasets.iterator():
        with transaction.atomic():
            _abort_uploads(Dataset.objects.filter(pk=dataset.pk))
            files = InstrumentFile.objects.filter(dataset=dataset)
            counts["datasets"] += _purge([dataset], files)
    expired_files = InstrumentFile.objects.filter(deleted_at__lt=cutoff).order_by("id")
    for instrument_file in expired_files.iterator():
        with transaction.atomic():
            files = InstrumentFile.objects.filter(pk=instrument_file.pk)
            counts["files"] += _purge([instrument_file], files)
    return Purged(**counts)
