from __future__ import annotations

from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "lims.instruments"
    label = "instruments"
    verbose_name = "Instruments"
