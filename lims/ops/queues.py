"""What the job queues hold and which workers answer: for the health probe, the metrics and
the facility pages.

The broker is asked directly (a passive queue declaration counts the waiting messages, on
Redis as on any other transport); workers are asked with Celery's ``ping`` broadcast.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.conf import settings

from lims.core.tasks import queue_length

log = logging.getLogger(__name__)


def queue_names() -> list[str]:
    """Every queue the LIMS sends to: the default one and those named by the task routes."""
    names = {settings.CELERY_TASK_DEFAULT_QUEUE}
    for route in settings.CELERY_TASK_ROUTES.values():
        names.add(route["queue"])
    return sorted(names)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue (not those a worker holds). Raises when the broker
    cannot be reached."""
    return {name: queue_length(name) for name in queue_names()}


def workers_alive(*, timeout: float = 1.0, limit: int | None = None) -> list[str]:
    """The names of the workers that answered a ping within ``timeout`` seconds (sorted).

    ``limit`` stops waiting after that many answers (the health probe needs one). The
    embedded, folder-based broker cannot broadcast: it answers an empty list.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("filesystem"):
        return []
    # A connection of its own: kombu remembers what a connection has declared, and after the
    # broker lost its keys (a Redis restarted without persistence) a pooled connection would
    # not bind its reply queue again, and no answer would ever arrive.
    with current_app.connection_for_write() as connection:
        replies: list[dict[str, Any]] = (
            current_app.control.ping(timeout=timeout, limit=limit, connection=connection) or []
        )
    return sorted(name for reply in replies for name in reply)
