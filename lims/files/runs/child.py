"""The worker process's warm extraction child (:class:`extraction.ExtractionChild`).

One per process: Celery's prefork pool processes each get their own (a child inherited
through ``fork()`` is ignored by the new process), started when the pool process starts
(``worker_process_init``, for workers that consume the extraction queue) or on first use.
"""

from __future__ import annotations

import threading

from django.conf import settings

from extraction import ExtractionChild

_CHILD: ExtractionChild | None = None
_LOCK = threading.Lock()


def extraction_child() -> ExtractionChild:
    """This process's extraction child, configured from the settings (created on first use)."""
    global _CHILD
    if _CHILD is None:
        with _LOCK:
            if _CHILD is None:
                _CHILD = ExtractionChild(
                    max_files=settings.LIMS_EXTRACTION_CHILD_MAX_FILES,
                    max_growth_mb=settings.LIMS_EXTRACTION_CHILD_MAX_GROWTH_MB,
                )
    return _CHILD
