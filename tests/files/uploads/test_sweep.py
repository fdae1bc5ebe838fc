"""Partial files no upload owns any more are swept; everything else in the folder stays."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import pytest

from lims.files.models import UploadStatus
from lims.files.uploads.handlers import partial_dir
from lims.files.uploads.services import session_path, upload_session_create
from lims.files.uploads.sweep import Swept, partials_sweep
from lims.files.uploads.tasks import expire_upload_sessions

pytestmark = pytest.mark.django_db

TWO_DAYS = 2 * 86400


def _file(name: str, data: bytes, age_s: float = TWO_DAYS):
    path = partial_dir() / name
    path.write_bytes(data)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_orphaned_partials_go_and_owned_or_foreign_or_fresh_files_stay(personas):
    receiving = upload_session_create(
        dataset=personas.dataset, user=personas.contributor, filename="a.dm3", size=10
    )
    aborted = upload_session_create(
        dataset=personas.dataset, user=personas.contributor, filename="b.dm3", size=10
    )
    aborted.status = UploadStatus.ABORTED
    aborted.save(update_fields=["status"])
    kept_session = _file(session_path(receiving).name, b"12345")
    old_aborted = _file(session_path(aborted).name, b"123456")
    orphan = _file(f"session-{uuid.uuid4()}.part", b"1234567")
    fresh_orphan = _file(f"session-{uuid.uuid4()}.part", b"12", age_s=60)
    dead_request = _file("tmpa1b2c3d4.upload.dm4", b"x" * 100)
    live_request = _file("tmpz9y8x7w6.upload.dm4", b"y", age_s=1)
    foreign = _file("notes.txt", b"keep me")
    not_ours = _file("session-not-a-uuid.part", b"keep me too")

    swept = partials_sweep(idle_for=dt.timedelta(days=1))

    assert swept == Swept(files=3, bytes=6 + 7 + 100)
    assert not old_aborted.exists() and not orphan.exists() and not dead_request.exists()
    for path in (kept_session, fresh_orphan, live_request, foreign, not_ours):
        assert path.exists(), path.name


def test_the_daily_task_expires_idle_sessions_then_sweeps(personas):
    orphan = _file(f"session-{uuid.uuid4()}.part", b"left behind")
    assert expire_upload_sessions() == 0
    assert not orphan.exists()


def test_a_failed_sync_marker_goes_with_its_orphaned_session(personas):
    # a helper thread's marker (lims.files.uploads.writeback) outliving its session
    receiving = upload_session_create(
        dataset=personas.dataset, user=personas.contributor, filename="a.dm3", size=10
    )
    kept = _file(session_path(receiving).name + ".sync-failed", b"EIO")
    orphan = _file(f"session-{uuid.uuid4()}.part.sync-failed", b"EIO")

    assert partials_sweep(idle_for=dt.timedelta(days=1)) == Swept(files=1, bytes=3)
    assert kept.exists() and not orphan.exists()
