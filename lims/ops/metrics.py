"""Prometheus metrics: request latency (django-prometheus's middleware), queue depth, files by
status, open fixity problems, and extraction durations and outcomes by format.

Web processes answer ``/metrics`` (:func:`exposition`). Extractions run in worker processes,
which may be on other hosts: each worker records its runs (Celery's ``task_postrun``) and,
with ``LIMS_WORKER_METRICS_PORT``, serves its own ``/metrics`` for Prometheus to scrape.
Several processes on one host (gunicorn workers, a Celery pool) share their figures through
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode), which must then be set,
and emptied, before they start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any

from celery.signals import task_postrun, worker_ready
from django.conf import settings
from django.db.models import Count
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from lims.files.models import ExtractionRun, InstrumentFile
from lims.files.runs.services import EXTRACT_FILE
from lims.ops.models import FixityProblem
from lims.ops.queues import queue_lengths

log = logging.getLogger(__name__)

EXTRACTION_SECONDS = Histogram(
    "lims_extraction_duration_seconds",
    "Seconds one extraction run took in a worker, by format and outcome.",
    ["format", "status"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, float("inf")),
)
EXTRACTION_RUNS = Counter(
    "lims_extraction_runs",
    "Extraction runs finished by a worker, by format and outcome (failed: unreadable file).",
    ["format", "status"],
)
#: What ``files.extract_file`` returns when it finished the run itself (else: "superseded",
#: "already done", "gone": another message did the work, nothing to count).
FINISHED = {"done", "failed", "unsupported", "timed out", "given up"}


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def format_of(reader: str, format_label: str, name: str) -> str:
    """A short, bounded label for a file's format: the reader's, else the file's extension."""
    label = (format_label or reader).strip().lower()
    if not label:
        label = PurePath(name).suffix.lstrip(".").lower() or "none"
    return label[:40]


class LimsCollector:
    """Figures read when Prometheus scrapes: queue depth, files by status, fixity problems."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("lims_broker_up", "1 when the job queue's broker answers.")
        queues = GaugeMetricFamily(
            "lims_queue_length", "Jobs waiting in each queue.", labels=["queue"]
        )
        try:
            lengths = queue_lengths()
        except Exception:  # a scrape reports the broker as down, whatever the failure
            log.warning("metrics: the broker did not answer", exc_info=True)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for name, length in lengths.items():
                queues.add_metric([name], length)
        yield up
        yield queues
        files = GaugeMetricFamily("lims_files", "Instrument files by status.", labels=["status"])
        for row in InstrumentFile.objects.values("status").annotate(n=Count("id")):
            files.add_metric([row["status"]], row["n"])
        yield files
        yield GaugeMetricFamily(
            "lims_fixity_problems_open",
            "Stored files found changed or missing and not resolved.",
            value=FixityProblem.objects.filter(resolved_at=None).count(),
        )


class _ThisProcess:
    """The process's own registry, as one collector among others."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def registry(*, with_lims: bool) -> CollectorRegistry:
    """A registry of this host's processes (multiprocess mode) or this process, and, with
    ``with_lims``, the figures read from the database and the broker."""
    combined = CollectorRegistry(auto_describe=True)
    if multiprocess_mode():
        multiprocess.MultiProcessCollector(combined)
    else:
        combined.register(_ThisProcess())  # type: ignore[arg-type]
    if with_lims:
        combined.register(LimsCollector())  # type: ignore[arg-type]
    return combined


def exposition() -> bytes:
    """The text Prometheus scrapes from a web process."""
    return generate_latest(registry(with_lims=True))


def extraction_observe(run_id: int, outcome: str) -> None:
    """Count a run a worker finished, with its duration (from the run's own timestamps)."""
    run = (
        ExtractionRun.objects.filter(pk=run_id)
        .values(
            "started_at", "finished_at", "file__reader", "file__format_label", "file__original_name"
        )
        .first()
    )
    if run is None:
        return
    label = format_of(run["file__reader"], run["file__format_label"], run["file__original_name"])
    status = outcome.replace(" ", "_")
    EXTRACTION_RUNS.labels(label, status).inc()
    if run["started_at"] and run["finished_at"]:
        seconds = (run["finished_at"] - run["started_at"]).total_seconds()
        EXTRACTION_SECONDS.labels(label, status).observe(seconds)


@task_postrun.connect
def _extraction_finished(task: Any = None, args: Any = None, retval: Any = None, **_: Any) -> None:
    if getattr(task, "name", "") != EXTRACT_FILE or retval not in FINISHED or not args:
        return
    try:
        extraction_observe(int(args[0]), str(retval))
    except Exception:  # metrics never break a task
        log.warning("metrics: could not record run %s", args[0], exc_info=True)


@worker_ready.connect
def _serve_worker_metrics(**_: Any) -> None:
    port = settings.LIMS_WORKER_METRICS_PORT
    if not port:
        return
    if not multiprocess_mode():
        log.warning(
            "LIMS_WORKER_METRICS_PORT without PROMETHEUS_MULTIPROC_DIR: the pool processes' "
            "extraction figures cannot reach the metrics this worker serves"
        )
    start_http_server(port, registry=registry(with_lims=False))
    log.info("worker metrics on port %s", port)
