"""Taking bytes into a dataset: deduplicated by SHA-256, companions joined to their primary.

:func:`file_ingest` is the one way in for uploads (API, chunked sessions, the browser form) and
folder imports. It stores the bytes first (:mod:`lims.files.ingest.register`), then queues the
file's extraction, which is sent to a worker once the transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction

from extraction import is_companion_of, primary_name_for
from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import Action, require
from lims.core.storage import delete_stored_after_commit, safe_filename, safe_folder
from lims.datasets.models import Dataset
from lims.files.ingest.register import (
    bytes_missing,
    bytes_restore,
    companion_add,
    digest_path,
    file_register,
    known_digest,
    storage_rollback,
    store_again,
)
from lims.files.models import CompanionFile, InstrumentFile, RunStatus
from lims.files.runs.services import extraction_queue

log = logging.getLogger(__name__)

#: Data files whose primary may arrive after them sort first in a batch (see files_ingest).
COMPANION_SUFFIXES = (".ser", ".raw")


@dataclass(frozen=True)
class IngestOutcome:
    """What became of bytes that entered the LIMS.

    ``file`` is the logical file they belong to: a new one (``created``), an existing one with
    the same SHA-256 (``duplicate``: nothing was stored), or an existing ``.emi``/``.rpl`` the
    bytes were attached to as ``companion``. ``repaired``: the existing file (or companion)
    with these bytes had lost its stored copy, and these bytes replaced it.
    """

    file: InstrumentFile
    created: bool
    duplicate: bool = False
    companion: CompanionFile | None = None
    repaired: bool = False


def holder_of(*, dataset: Dataset, sha256: str) -> InstrumentFile | CompanionFile | None:
    """The file or companion of ``dataset`` recorded with these bytes (the trash left out)."""
    found = dataset.files.live().filter(sha256=sha256).order_by("id").first()
    if found is not None:
        return found
    return (
        CompanionFile.objects.filter(
            parent__dataset=dataset, parent__deleted_at__isnull=True, sha256=sha256
        )
        .select_related("parent")
        .order_by("id")
        .first()
    )


def _parent_for_companion(dataset: Dataset, name: str, folder: str) -> InstrumentFile | None:
    """The ``.emi``/``.rpl`` in ``folder`` of ``dataset`` that a ``.ser``/``.raw`` named ``name``
    belongs to.

    The newest one that has no companion of that name yet: an instrument that writes a second
    ``x.emi`` writes a second ``x_1.ser`` too.
    """
    primary_name = primary_name_for(name)
    if primary_name is None:
        return None
    candidates = (
        dataset.files.live()
        .filter(original_name__iexact=primary_name, folder=folder)
        .order_by("-id")
    )
    for candidate in candidates:
        if candidate.original_name.rsplit(".", 1)[0] != primary_name.rsplit(".", 1)[0]:
            continue  # stems are compared exactly, extensions case-insensitively
        if not candidate.companions.filter(original_name=name).exists():
            return candidate
    return None


def _adopt_companions(primary: InstrumentFile) -> list[CompanionFile]:
    """Make earlier uploads that belong to ``primary`` (its ``.ser`` files) its companions.

    A ``.ser`` uploaded before its ``.emi`` was stored as a file of its own; its bytes are
    stored again beside the ``.emi`` (a hard link, no copy, on local storage) and its old name
    and record go once the transaction commits. Until then the committed bytes are untouched,
    so a failure on the way loses nothing.
    """
    stem = primary.original_name.rsplit(".", 1)[0]
    candidates = (
        primary.dataset.files.live()
        .exclude(pk=primary.pk)
        .filter(original_name__startswith=stem, folder=primary.folder, companions__isnull=True)
        .prefetch_related("previews")
        .order_by("id")
    )
    adopted = []
    for orphan in candidates:
        if not is_companion_of(orphan.original_name, primary.original_name):
            continue
        if primary.companions.filter(original_name=orphan.original_name).exists():
            continue
        companion = CompanionFile(
            parent=primary,
            original_name=orphan.original_name,
            external_path=orphan.external_path,
            size=orphan.size,
            sha256=orphan.sha256,
        )
        if orphan.stored_file:
            storage = orphan.stored_file.storage
            beside = companion.stored_file.field.generate_filename(companion, orphan.original_name)
            companion.stored_file.name = store_again(storage, orphan.stored_file.name, beside)
        companion.save()
        InstrumentFile.objects.filter(pk=primary.pk).update(size=primary.size + orphan.size)
        primary.size += orphan.size
        obsolete = [orphan.stored_file, orphan.preview, orphan.thumbnail]
        obsolete += [f for p in orphan.previews.all() for f in (p.image, p.thumbnail)]
        delete_stored_after_commit((f.storage, f.name) for f in obsolete if f)
        orphan.delete()
        adopted.append(companion)
    return adopted


def file_ingest(
    *,
    dataset: Dataset,
    upload: File | Path,
    user: User,
    name: str | None = None,
    folder: str = "",
    sha256: str | None = None,
    in_place: bool = False,
    queue_extraction: bool = True,
) -> IngestOutcome:
    """Take bytes into ``dataset`` for ``user`` without ever storing the same bytes twice.

    ``upload`` is an uploaded file (moved into storage when it is a temporary file on the same
    file system) or a path (copied, or with ``in_place`` registered where it lies). A ``.ser``
    or ``.raw`` whose ``.emi``/``.rpl`` is already in the dataset becomes its companion, and an
    ``.emi`` adopts the ``.ser`` files uploaded before it. The file's extraction is queued when
    the transaction commits. ``folder`` is the file's folder inside the dataset (as uploaded or
    imported; companions are looked for in the same folder). Raises PermissionDenied unless
    ``user`` may contribute.
    """
    require(user, Action.CONTRIBUTE, dataset, "You may not upload files into this dataset.")
    if isinstance(upload, Path):
        name = name or upload.name
        if not sha256:
            sha256, _ = digest_path(upload)
    name = safe_filename(name or getattr(upload, "name", None) or "file")
    folder = safe_folder(folder)
    with ExitStack() as stack:
        content: File | Path
        if isinstance(upload, Path) and not in_place:
            content = stack.enter_context(File(upload.open("rb"), name=name))
        else:
            content = upload
        if isinstance(content, File) and not sha256:
            sha256, _ = known_digest(content, None)
        assert sha256
        with storage_rollback(), transaction.atomic():
            # One ingest at a time per dataset: dedup and companion matching need a stable view.
            Dataset.objects.select_for_update().only("pk").get(pk=dataset.pk)
            holder = holder_of(dataset=dataset, sha256=sha256)
            if holder is not None:
                return _recorded(_known_bytes(holder, content, user, queue_extraction), user)
            parent = _parent_for_companion(dataset, name, folder)
            if parent is not None:
                companion = companion_add(parent=parent, name=name, content=content, sha256=sha256)
                if queue_extraction:
                    extraction_queue(file=parent, user=user)
                return _recorded(
                    IngestOutcome(file=parent, created=False, companion=companion), user
                )
            if isinstance(content, Path):
                instrument_file = file_register(
                    dataset=dataset,
                    uploaded_by=user,
                    name=name,
                    folder=folder,
                    external_path=content,
                    sha256=sha256,
                )
            else:
                instrument_file = file_register(
                    dataset=dataset,
                    uploaded_by=user,
                    name=name,
                    folder=folder,
                    content=content,
                    sha256=sha256,
                )
            _adopt_companions(instrument_file)
            if queue_extraction:
                extraction_queue(file=instrument_file, user=user)
            return _recorded(IngestOutcome(file=instrument_file, created=True), user)


def _known_bytes(
    holder: InstrumentFile | CompanionFile, content: File | Path, user: User, queue: bool
) -> IngestOutcome:
    """Bytes the dataset holds already: a duplicate, or, when the stored copy went missing
    (lost by the storage, deleted by hand), the repair of that copy, extracted again."""
    file = holder.parent if isinstance(holder, CompanionFile) else holder
    if isinstance(content, Path) or not bytes_missing(holder):
        return IngestOutcome(file=file, created=False, duplicate=True)
    bytes_restore(item=holder, content=content)
    log.warning("%s: its missing stored bytes were restored from a new upload", holder)
    if queue and not file.runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
        extraction_queue(file=file, user=user)
    return IngestOutcome(file=file, created=False, repaired=True)


def _recorded(outcome: IngestOutcome, user: User) -> IngestOutcome:
    """Record the upload in the audit log (in the ingest's transaction) and pass it on."""
    detail: dict[str, object] = {"sha256": outcome.file.sha256}
    if outcome.duplicate:
        detail["duplicate"] = True
    if outcome.repaired:
        detail["repaired"] = True
    if outcome.companion is not None:
        detail["companion"] = outcome.companion.original_name
    audit_record(action=AuditAction.UPLOAD, actor=user, target=outcome.file, detail=detail)
    return outcome


def files_ingest(*, dataset: Dataset, uploads: Iterable[File], user: User) -> list[IngestOutcome]:
    """Ingest several uploaded files of one request (the browser's form without JavaScript).

    Data files go first, so that a ``.emi`` arriving in the same batch adopts its ``.ser``
    files at once. Each file is closed (its temporary copy removed) when it has been taken in.
    """
    ordered = sorted(
        uploads, key=lambda u: (not str(u.name).lower().endswith(COMPANION_SUFFIXES), u.name)
    )
    outcomes = []
    try:
        for upload in ordered:
            outcomes.append(file_ingest(dataset=dataset, upload=upload, user=user))
    finally:
        for upload in ordered:
            upload.close()
    return outcomes
