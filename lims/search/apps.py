from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "lims.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # The index follows files, datasets, projects, tags and comments through their signals;
        # the task reindexes what is too large to do within the request.
        from lims.search import (
            receivers,  # noqa: F401
            tasks,  # noqa: F401
        )
