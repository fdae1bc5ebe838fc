from __future__ import annotations

from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "lims.notes"
    label = "notes"
    verbose_name = "Notes (user metadata)"
