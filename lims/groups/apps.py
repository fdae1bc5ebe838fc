from __future__ import annotations

from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "lims.groups"
    label = "groups"
    verbose_name = "Research groups"
