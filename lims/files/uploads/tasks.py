"""The chunked uploads' periodic upkeep (queued by the beat schedule, by name)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from lims.core.tasks import LIGHT
from lims.files.uploads.services import upload_sessions_expire
from lims.files.uploads.sweep import partials_sweep

EXPIRE_UPLOAD_SESSIONS = "files.expire_upload_sessions"


@shared_task(name=EXPIRE_UPLOAD_SESSIONS, **LIGHT)
def expire_upload_sessions(idle_days: int = 7) -> int:
    """Abandon chunked uploads idle for ``idle_days`` and free their disk space, then delete
    the partial files no upload owns any more (idle for a day)."""
    expired = upload_sessions_expire(idle_for=dt.timedelta(days=idle_days))
    partials_sweep()
    return expired
