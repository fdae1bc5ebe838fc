"""Queueing Celery tasks by their registered name.

A service that queues work never imports the module that defines the task (which imports the
service to run it): it names the task. The task modules are imported once at start-up by
their app's ``ready()``, so the name is always registered when a service sends it. Going
through the task object (not ``send_task``) keeps ``CELERY_TASK_ALWAYS_EAGER`` working.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from celery import current_app
from django.db import InterfaceError, OperationalError
from kombu.exceptions import ChannelError

#: Errors worth another try: storage and database hiccups. An unreadable file is not one of
#: them: extraction reports it as a ``failed`` result.
RETRYABLE = (OSError, OperationalError, InterfaceError)
MAX_RETRIES = 5
#: Options of light tasks (they only send others, or tidy up): acknowledged late, retried
#: with backoff on RETRYABLE errors.
LIGHT = {
    "acks_late": True,
    "autoretry_for": RETRYABLE,
    "max_retries": MAX_RETRIES,
    "retry_backoff": True,
}


def send(
    name: str,
    *,
    args: Sequence[Any] = (),
    task_id: str | None = None,
    countdown: float | None = None,
) -> None:
    """Queue the task registered as ``name`` (routing comes from ``CELERY_TASK_ROUTES``)."""
    current_app.tasks[name].apply_async(args=list(args), task_id=task_id, countdown=countdown)


def send_many(name: str, calls: Iterable[tuple[Sequence[Any], str | None]]) -> int:
    """Queue the task ``name`` once per ``(args, task_id)`` over one broker connection (what
    a bulk import sends after each batch); returns how many were sent. A broker error is
    raised after the ones already sent."""
    task = current_app.tasks[name]
    sent = 0
    with current_app.producer_or_acquire() as producer:
        for args, task_id in calls:
            task.apply_async(args=list(args), task_id=task_id, producer=producer)
            sent += 1
    return sent


def queue_length(name: str) -> int:
    """Messages waiting in the broker's queue ``name`` (not those a worker holds). Raises
    when the broker cannot be reached."""
    with current_app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1)
        try:
            declared = connection.default_channel.queue_declare(queue=name, passive=True)
        except ChannelError:
            # a queue nobody has declared yet (on Redis: one that is empty) holds nothing
            return 0
        return int(declared.message_count)
