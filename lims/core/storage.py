"""Where instrument files, previews and thumbnails are stored.

The default backend is the local file system under ``MEDIA_ROOT``. Other backends (object
storage through django-storages, say) are configured with ``LIMS_STORAGE_BACKEND``; code reads
files through :func:`local_copy`, never through ``.path``, so that it works on both.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+", re.UNICODE)
MAX_NAME_LENGTH = 200


#: The longest folder path kept for a file inside its dataset.
MAX_FOLDER_LENGTH = 500


def safe_folder(path: str) -> str:
    """A file's folder inside its dataset as stored: "/"-separated parts, each made safe like a
    file name; ``.``, ``..`` and empty parts dropped (``a\\..\\b/`` is ``a/b``); "" at the top."""
    text = unicodedata.normalize("NFC", path or "").replace("\\", "/")
    parts = [part for part in text.split("/") if part.strip(" .")]
    folder = "/".join(safe_filename(part) for part in parts)
    return folder[:MAX_FOLDER_LENGTH].rstrip("/")


def safe_filename(name: str) -> str:
    """A file name that is safe to store: no directories, no control or shell characters.

    Keeps the extension (readers need it) and as much of the original as it can;
    ``../../etc/passwd`` becomes ``passwd`` and an empty result becomes ``file``.
    """
    name = unicodedata.normalize("NFC", name).replace("\\", "/")
    name = PurePath(name).name
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_+", "_", name)
    if not name or name in {".", ".."}:
        name = "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[: MAX_NAME_LENGTH - len(ext) - 1] + (
            f".{ext}" if ext else ""
        )
    return name


class InstrumentStorage(FileSystemStorage):
    """Local storage that never overwrites (a clashing name gets a random suffix) and keeps
    names as the instrument wrote them, spaces included, as far as they are safe."""

    def get_valid_name(self, name: str) -> str:
        return safe_filename(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        directory, _, base = name.rpartition("/")
        base = safe_filename(base)
        return super().get_available_name(f"{directory}/{base}" if directory else base, max_length)


@contextmanager
def local_copy(storage: Storage, name: str) -> Iterator[Path]:
    """Yield a local path for a stored file: the file itself on local storage, else a temp copy."""
    try:
        local_path: str | None = storage.path(name)
    except NotImplementedError:
        local_path = None
    if local_path is not None:
        yield Path(local_path)
        return
    suffix = PurePath(name).suffix
    with tempfile.TemporaryDirectory(prefix="lims-") as tmp:
        target = Path(tmp) / (PurePath(name).name or f"file{suffix}")
        with storage.open(name, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        yield target


def fsync_path(path: Path) -> None:
    """Make ``path`` (a file, or a folder's entries) durable: on disk when this returns."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def stored_durable(storage: Storage, name: str) -> None:
    """Make a stored file durable before a row records it: its bytes and its name on disk.

    A file renamed into storage (an upload) or copied there (a bulk import) is otherwise only
    in the page cache or the file system's journal: a power cut after the database commit
    would leave a row pointing at nothing. So the file is synced, then each folder from its
    own up to the storage's root (a folder made for it is a new entry in its parent).
    Storages without local paths (object storage) are durable once their write returns.
    """
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        return
    fsync_path(path)
    root = Path(getattr(storage, "location", path.parent)).resolve()
    folder = path.parent.resolve()
    while True:
        fsync_path(folder)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent


def delete_stored(items: Iterable[tuple[Storage, str]]) -> None:
    """Delete stored files, (storage, name) pairs; one that cannot be deleted is only logged."""
    for storage, name in items:
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete %s from storage", name, exc_info=True)


def delete_stored_after_commit(items: Iterable[tuple[Storage, str]]) -> None:
    """Delete stored files once the current transaction commits (never if it rolls back)."""
    pending = list(items)
    transaction.on_commit(lambda: delete_stored(pending))
