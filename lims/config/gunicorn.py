"""gunicorn's settings for the web processes (``--config python:lims.config.gunicorn``).

Read from the environment like the rest: ``GUNICORN_BIND`` (``0.0.0.0:8000``),
``GUNICORN_WORKERS`` (2 per core, plus one), ``GUNICORN_TIMEOUT`` (3600 s: a 50 GB upload
streams through one request). Each new process starts loading the search's facet matrix in a
thread (``post_worker_init``). With ``PROMETHEUS_MULTIPROC_DIR``, the folder is emptied at
start and a worker that exits is marked dead, so that /metrics adds up the live processes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "3600"))
graceful_timeout = 60
max_requests = 2000
max_requests_jitter = 200
# The application logs every request itself (JSON, with the request id): no access log here.
accesslog = None
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def post_worker_init(worker: Any) -> None:
    # A new web process starts loading the search's facet matrix at once, in a thread (half a
    # minute at a million files); its searches run on SQL until then.
    from django.conf import settings
    from django.db import connection

    if settings.LIMS_SEARCH_MATRIX and connection.vendor == "postgresql":
        from lims.search.matrix import matrix_warm

        matrix_warm()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # only with multiprocess metrics on

        multiprocess.mark_process_dead(worker.pid)
