"""The search index's tasks: reindexing the files of datasets, projects or instruments that
changed when they are too many for the request (see :func:`search_reindex_soon`), and pruning
the change log the facet matrix follows (periodic)."""

from __future__ import annotations

from celery import shared_task

from lims.core.tasks import LIGHT
from lims.search.indexing import search_changes_prune, search_reindex


@shared_task(name="search.reindex", soft_time_limit=3000, time_limit=3600, **LIGHT)
def reindex(dataset_ids: list[int], project_ids: list[int], instrument_ids: list[int]) -> int:
    """Reindex every file of these datasets, projects and instruments."""
    return search_reindex(
        dataset_ids=dataset_ids, project_ids=project_ids, instrument_ids=instrument_ids
    )


@shared_task(name="search.prune_changes", soft_time_limit=300, time_limit=600, **LIGHT)
def prune_changes() -> int:
    """Forget the index's changes older than the log's retention."""
    return search_changes_prune()
