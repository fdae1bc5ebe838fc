"""Partial files nobody owns any more: swept from the uploads' folder.

A chunked upload's bytes collect in ``session-<uid>.part`` and a one-request upload's in a
``tmp….upload…`` file (:func:`lims.files.uploads.handlers.partial_dir`). Both go when their
upload completes or is aborted, but not when what owned them went another way: a web process
killed in the middle of a request, a session row deleted with its user, a database restored
from a backup older than the folder. :func:`partials_sweep` deletes such files once they have
been left alone for ``idle_for``; a file still written to, or a session still receiving, is
never touched. Run daily after the idle sessions expire (``files.expire_upload_sessions``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
from dataclasses import dataclass

from lims.files.models import UploadSession, UploadStatus
from lims.files.uploads.handlers import partial_dir

log = logging.getLogger(__name__)

#: A session's partial file, or the marker of a failed sync beside it (see .writeback).
SESSION_FILE = re.compile(r"session-(?P<uid>[0-9a-f-]{36})\.part(\.sync-failed)?")
#: ``tempfile.NamedTemporaryFile``'s default prefix, then eight characters, then our suffix.
REQUEST_FILE = re.compile(r"tmp[A-Za-z0-9_]{8}\.upload.*")


@dataclass(frozen=True)
class Swept:
    """What one sweep deleted: how many files and their bytes."""

    files: int = 0
    bytes: int = 0


def _session_uid(name: str) -> uuid.UUID | None:
    match = SESSION_FILE.fullmatch(name)
    if match is None:
        return None
    try:
        return uuid.UUID(match["uid"])
    except ValueError:
        return None


def partials_sweep(*, idle_for: dt.timedelta = dt.timedelta(days=1)) -> Swept:
    """Delete the uploads' partial files untouched for ``idle_for`` that no receiving session
    owns; other files in the folder are left alone."""
    cutoff = time.time() - idle_for.total_seconds()
    candidates: dict[str, tuple[uuid.UUID | None, int]] = {}
    folder = partial_dir()
    for entry in folder.iterdir():
        uid = _session_uid(entry.name)
        if uid is None and REQUEST_FILE.fullmatch(entry.name) is None:
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue  # completed meanwhile
        if entry.is_file() and stat.st_mtime < cutoff:
            candidates[entry.name] = (uid, stat.st_size)
    uids = [uid for uid, _ in candidates.values() if uid is not None]
    receiving = {
        str(uid)
        for uid in UploadSession.objects.filter(
            uid__in=uids, status=UploadStatus.RECEIVING
        ).values_list("uid", flat=True)
    }
    files = size = 0
    for name, (uid, length) in candidates.items():
        if uid is not None and str(uid) in receiving:
            continue  # idle, but its session may resume; expiry aborts it in time
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            continue
        files, size = files + 1, size + length
        log.info("deleted the orphaned upload file %s (%d bytes)", name, length)
    return Swept(files=files, bytes=size)
