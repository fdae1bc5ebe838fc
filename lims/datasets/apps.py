from __future__ import annotations

from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "lims.datasets"
    label = "datasets"
    verbose_name = "Datasets"
