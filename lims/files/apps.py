from __future__ import annotations

from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "lims.files"
    label = "files"
    verbose_name = "Instrument files"
