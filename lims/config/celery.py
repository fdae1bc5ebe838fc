"""The Celery application; workers start with ``celery -A lims worker``."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lims.config.settings")

app = Celery("lims")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task: Any = None, **_: Any) -> None:
    """Around each task what Django does around each request: close a database connection
    that broke or outlived ``CONN_MAX_AGE``, keep the others (``CELERY_DB_REUSE_MAX``). Not
    around an eager task: it runs inside its caller's transaction."""
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
