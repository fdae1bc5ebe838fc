from __future__ import annotations

from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "lims.files"
    label = "files"
    verbose_name = "Instrument files"

    def ready(self) -> None:
        # Register the tasks in every process (web ones too): services queue them by name.
        from lims.files.runs import tasks as run_tasks  # noqa: F401
        from lims.files.trash import tasks as trash_tasks  # noqa: F401
        from lims.files.uploads import tasks as upload_tasks  # noqa: F401
