"""Writes to instrument files: registering the bytes that enter the LIMS.

Ingest stores a file safely first (:func:`file_ingest`: deduplicated by SHA-256, companions
joined to their primary), then queues its extraction. Running extractions lives in
:mod:`lims.files.runs`; its public functions are re-exported here, so that callers write
``services.file_reextract(...)`` whatever the module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from lims.accounts.models import User
from lims.core.storage import delete_stored, delete_stored_after_commit, safe_filename
from lims.datasets.models import Dataset
from lims.files.models import CompanionFile, InstrumentFile
from lims.files.runs import (
    MAX_ATTEMPTS,
    StorageUnavailable,
    dataset_reextract,
    extraction_queue,
    extraction_run_execute,
    extraction_run_fail,
    file_reextract,
    files_outdated,
    files_reextract_outdated,
)

__all__ = [
    "MAX_ATTEMPTS",
    "IngestOutcome",
    "StorageUnavailable",
    "companion_add",
    "dataset_reextract",
    "digest",
    "digest_path",
    "duplicate_of",
    "extraction_queue",
    "extraction_run_execute",
    "extraction_run_fail",
    "file_ingest",
    "file_reextract",
    "file_register",
    "files_outdated",
    "files_reextract_outdated",
]

CHUNK = 1024 * 1024

#: What the outermost :func:`storage_rollback` block has stored so far.
_stored_in_block: ContextVar[list[tuple[Any, str]] | None] = ContextVar(
    "lims_stored_in_block", default=None
)


@contextmanager
def storage_rollback() -> Iterator[None]:
    """Delete the bytes stored inside the block when the block, or its commit, fails.

    Storage is not transactional: without this, a database error after a file was moved into
    storage would leave bytes that no row points to. Blocks nest; the outermost one cleans up.
    """
    if _stored_in_block.get() is not None:
        yield
        return
    stored: list[tuple[Any, str]] = []
    token = _stored_in_block.set(stored)
    try:
        yield
    except BaseException:
        delete_stored(stored)
        raise
    finally:
        _stored_in_block.reset(token)


def _store(field: Any, name: str, content: File) -> None:
    """Save ``content`` into a FileField, remembered by the enclosing storage_rollback."""
    field.save(name, content, save=False)
    stored = _stored_in_block.get()
    if stored is not None:
        stored.append((field.storage, field.name))


def digest(content: File) -> tuple[str, int]:
    """SHA-256 and size of a file object, read in chunks (never whole into memory)."""
    sha = hashlib.sha256()
    size = 0
    content.seek(0)
    for chunk in content.chunks(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    content.seek(0)
    return sha.hexdigest(), size


def digest_path(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file on disk, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _known_digest(content: File, sha256: str | None) -> tuple[str, int]:
    # The streaming upload handler hashed the bytes as they arrived: don't read them twice.
    sha256 = sha256 or getattr(content, "sha256", None)
    if sha256 and content.size is not None:
        return sha256, int(content.size)
    return digest(content)


@storage_rollback()
@transaction.atomic
def file_register(
    *,
    dataset: Dataset,
    uploaded_by: User,
    name: str,
    content: File | None = None,
    external_path: Path | None = None,
    companions: Sequence[tuple[str, File | Path]] = (),
    sha256: str | None = None,
) -> InstrumentFile:
    """Record a new instrument file in ``dataset``: stored from ``content``, or in place.

    Exactly one of ``content`` (bytes copied into storage) and ``external_path`` (a file on a
    facility share, registered where it lies) is given. ``companions`` are the data files that
    belong to it, as (name, content or path) pairs, stored the same way. ``sha256``, when the
    caller already knows it, saves reading the content again.
    """
    if (content is None) == (external_path is None):
        raise ValueError("Give either content or external_path.")
    instrument_file = InstrumentFile(
        dataset=dataset, original_name=safe_filename(name), uploaded_by=uploaded_by
    )
    if content is not None:
        instrument_file.sha256, instrument_file.size = _known_digest(content, sha256)
        # A temporary upload is moved (renamed) into local storage, not copied.
        _store(instrument_file.stored_file, instrument_file.original_name, content)
    else:
        assert external_path is not None
        if sha256:
            instrument_file.sha256, instrument_file.size = sha256, external_path.stat().st_size
        else:
            instrument_file.sha256, instrument_file.size = digest_path(external_path)
        instrument_file.external_path = str(external_path.resolve())
    instrument_file.save()
    for companion_name, companion in companions:
        companion_add(parent=instrument_file, name=companion_name, content=companion)
    return instrument_file


@storage_rollback()
@transaction.atomic
def companion_add(
    *, parent: InstrumentFile, name: str, content: File | Path, sha256: str | None = None
) -> CompanionFile:
    """Attach a companion data file (a ``.ser``, a ``.raw``) to an instrument file."""
    companion = CompanionFile(parent=parent, original_name=safe_filename(name))
    if isinstance(content, Path):
        if sha256:
            companion.sha256, companion.size = sha256, content.stat().st_size
        else:
            companion.sha256, companion.size = digest_path(content)
        companion.external_path = str(content.resolve())
    else:
        companion.sha256, companion.size = _known_digest(content, sha256)
        _store(companion.stored_file, companion.original_name, content)
    companion.save()
    InstrumentFile.objects.filter(pk=parent.pk).update(size=parent.size + companion.size)
    parent.size += companion.size
    return companion


# --- Ingest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestOutcome:
    """What became of bytes that entered the LIMS.

    ``file`` is the logical file they belong to: a new one (``created``), an existing one with
    the same SHA-256 (``duplicate``: nothing was stored), or an existing ``.emi``/``.rpl`` the
    bytes were attached to as ``companion``.
    """

    file: InstrumentFile
    created: bool
    duplicate: bool = False
    companion: CompanionFile | None = None


class _MovableStoredFile(File):
    """A stored file offered to local storage as a temporary file, so it is moved, not copied."""

    def __init__(self, path: Path, name: str) -> None:
        super().__init__(path.open("rb"), name=name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def duplicate_of(*, dataset: Dataset, sha256: str) -> InstrumentFile | None:
    """The file of ``dataset`` holding these bytes already, as a primary or a companion."""
    found = dataset.files.filter(sha256=sha256).order_by("id").first()
    if found is None:
        companion = (
            CompanionFile.objects.filter(parent__dataset=dataset, sha256=sha256)
            .select_related("parent")
            .order_by("id")
            .first()
        )
        found = companion.parent if companion else None
    return found


def _parent_for_companion(dataset: Dataset, name: str) -> InstrumentFile | None:
    """The ``.emi``/``.rpl`` of ``dataset`` that a ``.ser``/``.raw`` named ``name`` belongs to.

    The newest one that has no companion of that name yet: an instrument that writes a second
    ``x.emi`` writes a second ``x_1.ser`` too.
    """
    from extraction import primary_name_for

    primary_name = primary_name_for(name)
    if primary_name is None:
        return None
    candidates = dataset.files.filter(original_name__iexact=primary_name).order_by("-id")
    for candidate in candidates:
        if candidate.original_name.rsplit(".", 1)[0] != primary_name.rsplit(".", 1)[0]:
            continue  # stems are compared exactly, extensions case-insensitively
        if not candidate.companions.filter(original_name=name).exists():
            return candidate
    return None


def _adopt_companions(primary: InstrumentFile) -> list[CompanionFile]:
    """Make earlier uploads that belong to ``primary`` (its ``.ser`` files) its companions.

    A ``.ser`` uploaded before its ``.emi`` was stored as a file of its own; it now moves next
    to the ``.emi`` and its own record goes.
    """
    from extraction import is_companion_of

    stem = primary.original_name.rsplit(".", 1)[0]
    candidates = (
        primary.dataset.files.exclude(pk=primary.pk)
        .filter(original_name__startswith=stem, companions__isnull=True)
        .order_by("id")
    )
    adopted = []
    for orphan in candidates:
        if not is_companion_of(orphan.original_name, primary.original_name):
            continue
        if primary.companions.filter(original_name=orphan.original_name).exists():
            continue
        if orphan.in_place:
            content: File | Path = Path(orphan.external_path)
        else:
            content = _open_for_move(orphan.stored_file.storage, orphan.stored_file.name)
        try:
            adopted.append(
                companion_add(
                    parent=primary, name=orphan.original_name, content=content, sha256=orphan.sha256
                )
            )
        finally:
            if isinstance(content, File):
                content.close()
        _delete_stored_after_commit([orphan.preview, orphan.thumbnail, orphan.stored_file])
        _delete_stored_after_commit(
            [f for p in orphan.previews.all() for f in (p.image, p.thumbnail)]
        )
        orphan.delete()
    return adopted


def _open_for_move(storage: Any, name: str) -> File:
    try:
        return _MovableStoredFile(Path(storage.path(name)), name=Path(name).name)
    except NotImplementedError:
        return File(storage.open(name, "rb"), name=Path(name).name)


def _delete_stored_after_commit(fields: Sequence[Any]) -> None:
    delete_stored_after_commit((f.storage, f.name) for f in fields if f)


def file_ingest(
    *,
    dataset: Dataset,
    upload: File | Path,
    user: User,
    name: str | None = None,
    sha256: str | None = None,
    in_place: bool = False,
    queue_extraction: bool = True,
) -> IngestOutcome:
    """Take bytes into ``dataset`` without ever storing the same bytes twice.

    ``upload`` is an uploaded file (moved into storage when it is a temporary file on the same
    file system) or a path (copied, or with ``in_place`` registered where it lies). A ``.ser``
    or ``.raw`` whose ``.emi``/``.rpl`` is already in the dataset becomes its companion, and an
    ``.emi`` adopts the ``.ser`` files uploaded before it. The file's extraction is queued when
    the transaction commits. The caller checks the user may contribute to ``dataset``.
    """
    if isinstance(upload, Path):
        name = name or upload.name
        if not sha256:
            sha256, _ = digest_path(upload)
    name = safe_filename(name or getattr(upload, "name", None) or "file")
    with ExitStack() as stack:
        content: File | Path
        if isinstance(upload, Path) and not in_place:
            content = stack.enter_context(File(upload.open("rb"), name=name))
        else:
            content = upload
        if isinstance(content, File) and not sha256:
            sha256, _ = _known_digest(content, None)
        assert sha256
        with storage_rollback(), transaction.atomic():
            # One ingest at a time per dataset: dedup and companion matching need a stable view.
            Dataset.objects.select_for_update().only("pk").get(pk=dataset.pk)
            existing = duplicate_of(dataset=dataset, sha256=sha256)
            if existing is not None:
                return IngestOutcome(file=existing, created=False, duplicate=True)
            parent = _parent_for_companion(dataset, name)
            if parent is not None:
                companion = companion_add(parent=parent, name=name, content=content, sha256=sha256)
                if queue_extraction:
                    extraction_queue(file=parent, user=user)
                return IngestOutcome(file=parent, created=False, companion=companion)
            if isinstance(content, Path):
                instrument_file = file_register(
                    dataset=dataset,
                    uploaded_by=user,
                    name=name,
                    external_path=content,
                    sha256=sha256,
                )
            else:
                instrument_file = file_register(
                    dataset=dataset, uploaded_by=user, name=name, content=content, sha256=sha256
                )
            _adopt_companions(instrument_file)
            if queue_extraction:
                extraction_queue(file=instrument_file, user=user)
            return IngestOutcome(file=instrument_file, created=True)
