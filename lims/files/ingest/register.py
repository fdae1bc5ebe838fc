"""Registering bytes as records: a file (stored or in place) and its companions.

Storage is not transactional, so every byte stored here is remembered by the enclosing
:func:`storage_rollback` block, which deletes it again when the block's database work fails
before it commits. Nothing that committed is ever deleted by this module. Every stored file
is made durable (its bytes and its folder entries synced to disk) before the row that records
it is written, so a row never outlives its bytes after a power cut.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from lims.accounts.models import User
from lims.core.storage import delete_stored, safe_filename, safe_folder, stored_durable
from lims.datasets.models import Dataset
from lims.files.models import CompanionFile, InstrumentFile

CHUNK = 1024 * 1024


class _Block:
    """What one :func:`storage_rollback` block stored, and whether its work committed."""

    def __init__(self) -> None:
        self.stored: list[tuple[Any, str]] = []
        self.committed = False


_block: ContextVar[_Block | None] = ContextVar("lims_storage_block", default=None)


@contextmanager
def storage_rollback() -> Iterator[None]:
    """Delete the bytes stored inside the block when its database work does not commit.

    Without this, a database error after a file was moved into storage would leave bytes that
    no row points to. Blocks nest; the outermost one cleans up. Bytes whose rows committed are
    never deleted, even when something raises afterwards (an ``on_commit`` callback, say).
    """
    if _block.get() is not None:
        yield
        return
    block = _Block()
    token = _block.set(block)
    try:
        yield
    except BaseException:
        if not block.committed:
            delete_stored(block.stored)
        raise
    finally:
        _block.reset(token)


def _mark_committed(block: _Block) -> None:
    block.committed = True


def remember_stored(storage: Any, name: str) -> None:
    """Make ``name``, just stored, durable, and tell the enclosing storage_rollback block."""
    block = _block.get()
    if block is not None:
        # Runs before any callback registered later (the extraction's dispatch among them):
        # once it has run, the rows are committed and their bytes must stay.
        transaction.on_commit(lambda: _mark_committed(block))
        block.stored.append((storage, name))
    # After the block knows it: a failed sync fails the block, which deletes the bytes.
    stored_durable(storage, name)


def _store(field: Any, name: str, content: File) -> None:
    """Save ``content`` into a FileField, remembered by the enclosing storage_rollback.

    Content already in storage (a chunked upload assembled in the object store) is adopted
    where it lies: its ``stored_name`` is all the field needs.
    """
    stored_name = getattr(content, "stored_name", None)
    if stored_name:
        field.name = stored_name
    else:
        field.save(name, content, save=False)
    remember_stored(field.storage, field.name)


def store_again(storage: Any, name: str, new_name: str) -> str:
    """The bytes stored at ``name`` stored also at ``new_name``; returns the name given.

    A hard link on local storage (no copy, whatever the size), a copy elsewhere. The bytes at
    ``name`` are untouched, so a failure before the commit loses nothing that was committed.
    """
    new_name = storage.get_available_name(new_name)
    try:
        target = Path(storage.path(new_name))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(storage.path(name), target)
    except (NotImplementedError, OSError):
        with storage.open(name, "rb") as source:
            new_name = storage.save(new_name, File(source, name=Path(new_name).name))
    remember_stored(storage, new_name)
    return new_name


def bytes_missing(item: InstrumentFile | CompanionFile) -> bool:
    """Are the stored bytes of a file or companion gone from storage (lost, deleted by hand)?

    Files registered in place are the share's business, never ours to replace.
    """
    if item.external_path:
        return False
    if not item.stored_file:
        return True
    return not item.stored_file.storage.exists(item.stored_file.name)


def bytes_restore(*, item: InstrumentFile | CompanionFile, content: File) -> None:
    """Store ``content`` (bytes with ``item``'s SHA-256) again for ``item``, whose own are
    missing; remembered by the enclosing storage_rollback like any other stored bytes."""
    field = item.stored_file
    _store(field, item.original_name, content)
    type(item).objects.filter(pk=item.pk).update(stored_file=field.name)


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


def known_digest(content: File, sha256: str | None) -> tuple[str, int]:
    """The digest and size of ``content``, computed only when nobody knows them yet."""
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
    folder: str = "",
    content: File | None = None,
    external_path: Path | None = None,
    companions: Sequence[tuple[str, File | Path]] = (),
    sha256: str | None = None,
) -> InstrumentFile:
    """Record a new instrument file in ``dataset``: stored from ``content``, or in place.

    Exactly one of ``content`` (bytes copied into storage) and ``external_path`` (a file on a
    facility share, registered where it lies) is given. ``companions`` are the data files that
    belong to it, as (name, content or path) pairs, stored the same way. ``sha256``, when the
    caller already knows it, saves reading the content again. No permission check: callers
    are :func:`lims.files.ingest.services.file_ingest` and tests.
    """
    if (content is None) == (external_path is None):
        raise ValueError("Give either content or external_path.")
    instrument_file = InstrumentFile(
        dataset=dataset,
        original_name=safe_filename(name),
        folder=safe_folder(folder),
        uploaded_by=uploaded_by,
    )
    if content is not None:
        instrument_file.sha256, instrument_file.size = known_digest(content, sha256)
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
        companion.sha256, companion.size = known_digest(content, sha256)
        _store(companion.stored_file, companion.original_name, content)
    companion.save()
    InstrumentFile.objects.filter(pk=parent.pk).update(size=parent.size + companion.size)
    parent.size += companion.size
    return companion
