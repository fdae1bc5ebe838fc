"""The operations side's periodic task (thin: it calls the service)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from lims.ops.fixity import FixityBusy, fixity_check

log = logging.getLogger(__name__)

CHECK_FIXITY = "ops.check_fixity"


@shared_task(
    name=CHECK_FIXITY,
    acks_late=True,
    soft_time_limit=settings.LIMS_FIXITY_SECONDS_PER_RUN + 120,
    time_limit=settings.LIMS_FIXITY_SECONDS_PER_RUN + 180,
)
def check_fixity() -> dict[str, int]:
    """Re-hash stored files for LIMS_FIXITY_SECONDS_PER_RUN seconds, from where the last
    run stopped, at most LIMS_FIXITY_MAX_MB_PER_S (beat sends it every hour)."""
    try:
        report = fixity_check(
            max_seconds=settings.LIMS_FIXITY_SECONDS_PER_RUN,
            max_bytes_per_s=settings.LIMS_FIXITY_MAX_MB_PER_S * 1_000_000,
        )
    except FixityBusy:
        log.info("fixity: the previous check is still running; this one is skipped")
        return {"files": 0, "problems": 0}
    return {"files": report.files, "problems": len(report.problems)}
