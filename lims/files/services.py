"""Writes to instrument files: registering bytes that enter the LIMS."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from django.core.files import File
from django.db import transaction

from lims.accounts.models import User
from lims.core.storage import safe_filename
from lims.datasets.models import Dataset
from lims.files.models import CompanionFile, InstrumentFile

CHUNK = 1024 * 1024


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


@transaction.atomic
def file_register(
    *,
    dataset: Dataset,
    uploaded_by: User,
    name: str,
    content: File | None = None,
    external_path: Path | None = None,
    companions: Sequence[tuple[str, File | Path]] = (),
) -> InstrumentFile:
    """Record a new instrument file in ``dataset``: stored from ``content``, or in place.

    Exactly one of ``content`` (bytes copied into storage) and ``external_path`` (a file on a
    facility share, registered where it lies) is given. ``companions`` are the data files that
    belong to it, as (name, content or path) pairs, stored the same way.
    """
    if (content is None) == (external_path is None):
        raise ValueError("Give either content or external_path.")
    instrument_file = InstrumentFile(
        dataset=dataset, original_name=safe_filename(name), uploaded_by=uploaded_by
    )
    if content is not None:
        instrument_file.sha256, instrument_file.size = digest(content)
        instrument_file.stored_file.save(instrument_file.original_name, content, save=False)
    else:
        assert external_path is not None
        instrument_file.sha256, instrument_file.size = digest_path(external_path)
        instrument_file.external_path = str(external_path.resolve())
    instrument_file.save()
    for companion_name, companion in companions:
        companion_add(parent=instrument_file, name=companion_name, content=companion)
    return instrument_file


@transaction.atomic
def companion_add(*, parent: InstrumentFile, name: str, content: File | Path) -> CompanionFile:
    """Attach a companion data file (a ``.ser``, a ``.raw``) to an instrument file."""
    companion = CompanionFile(parent=parent, original_name=safe_filename(name))
    if isinstance(content, Path):
        companion.sha256, companion.size = digest_path(content)
        companion.external_path = str(content.resolve())
    else:
        companion.sha256, companion.size = digest(content)
        companion.stored_file.save(companion.original_name, content, save=False)
    companion.save()
    InstrumentFile.objects.filter(pk=parent.pk).update(size=parent.size + companion.size)
    parent.size += companion.size
    return companion
