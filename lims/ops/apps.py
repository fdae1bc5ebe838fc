from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "lims.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Register the periodic task, and the Celery signal handlers that put task ids into
        # the logs and extraction figures into the metrics, in every process.
        from lims.ops import logs, metrics, tasks  # noqa: F401
