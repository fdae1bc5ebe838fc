"""The trash's periodic upkeep (queued by the beat schedule, by name)."""

from __future__ import annotations

from celery import shared_task

from lims.core.tasks import LIGHT
from lims.files.trash.services import trash_purge

PURGE_TRASH = "files.purge_trash"


@shared_task(name=PURGE_TRASH, **LIGHT)
def purge_trash() -> dict[str, int]:
    """Delete for good what has been in the trash longer than the retention, with its bytes."""
    purged = trash_purge()
    return {"projects": purged.projects, "datasets": purged.datasets, "files": purged.files}
