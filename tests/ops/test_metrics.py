"""Prometheus metrics: request latency and queue depth from the web process; extraction
durations and outcomes by format from a real worker's own endpoint; JSON worker logs with
task ids."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lims.files.models import InstrumentFile
from lims.ops.logs import ContextIdsFilter, JsonFormatter
from tests.s3 import free_port
from tests.worker import flush_broker, wait_for

pytestmark = pytest.mark.django_db


def _value(text: str, sample: str) -> float:
    """The value of one exposed sample (its name and labels exactly as written)."""
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    assert match, f"{sample} is not exposed:\n{text[:3000]}"
    return float(match.group(1))


def test_metrics_expose_request_latency_queue_depth_and_files(client, personas) -> None:
    flush_broker()
    client.force_login(personas.viewer)
    before = client.get("/metrics").content.decode()
    seen = 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="search"}'
    count_before = _value(before, seen) if seen in before else 0.0
    assert client.get("/search/?q=graphene").status_code == 200
    text = client.get("/metrics").content.decode()
    assert _value(text, seen) == count_before + 1
    assert _value(text, 'lims_queue_length{queue="extraction"}') == 0
    assert _value(text, 'lims_queue_length{queue="default"}') == 0
    assert _value(text, "lims_broker_up") == 1
    assert _value(text, "lims_fixity_problems_open") == 0


def test_metrics_are_not_for_everybody(client, settings) -> None:
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 403
    settings.LIMS_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200 and b"lims_queue_length" in response.content


def test_requests_carry_an_id_into_the_response_and_the_logs(client) -> None:
    response = client.get("/health/live", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert response["X-Request-ID"] == "nginx-0123456789abcdef"
    made = client.get("/health/live", HTTP_X_REQUEST_ID="bad id; drop table")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_serves_extraction_figures_by_format_and_logs_json_with_task_ids(
    worker_manager, worker_media, personas, api_client_for, samples, tmp_path
) -> None:
    worker_manager.stop_all()  # this worker alone extracts (and counts) the files
    port = free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    worker = worker_manager.start(
        LIMS_WORKER_METRICS_PORT=str(port),
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
        LIMS_LOG_FORMAT="json",
    )
    try:
        client = api_client_for(personas.contributor)
        uploads = {
            "test-1.dm3": (samples / "digitalmicrograph/2D/test-1.dm3").read_bytes(),
            "truncated.dm3": (samples / "bad/truncated_STEM_image.dm3").read_bytes(),
        }
        for name, data in uploads.items():
            response = client.post(
                "/api/files/",
                {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile(name, data)},
                format="multipart",
            )
            assert response.status_code == 201
        files = wait_for(
            lambda: (
                [
                    f
                    for f in InstrumentFile.objects.filter(dataset=personas.dataset)
                    if f.status in {"done", "failed"}
                ]
                if not InstrumentFile.objects.filter(
                    dataset=personas.dataset, status__in=["pending", "running"]
                ).exists()
                else None
            ),
            timeout=120,
            what="both files to be extracted",
        )
        assert {f.original_name: f.status for f in files} == {
            "test-1.dm3": "done",
            "truncated.dm3": "failed",
        }
        text = wait_for(
            lambda: (
                body
                if "lims_extraction_runs_total{" in (body := _scrape(port))
                and body.count("lims_extraction_runs_total{") >= 2
                else None
            ),
            timeout=20,
            what="the worker's metrics",
        )
        done_format = next(f for f in files if f.status == "done").format_label.lower()
        assert (
            _value(text, f'lims_extraction_runs_total{{format="{done_format}",status="done"}}') == 1
        )
        assert (
            _value(
                text,
                f'lims_extraction_duration_seconds_count{{format="{done_format}",status="done"}}',
            )
            == 1
        )
        failed_format = next(f for f in files if f.status == "failed").format_label.lower()
        assert (
            _value(text, f'lims_extraction_runs_total{{format="{failed_format}",status="failed"}}')
            == 1
        )

        records = [
            json.loads(line)
            for line in worker.log_path.read_text().splitlines()
            if line.startswith("{")
        ]
        run = files[0].runs.get()
        mine = [r for r in records if r.get("task_id") == run.task_id]
        assert mine and all(r["task_name"] == "files.extract_file" for r in mine)
        assert {"time", "level", "logger", "message"} <= set(mine[0])
    finally:
        worker.stop()


def _scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            return answer.read().decode()
    except OSError:
        return ""


def test_request_lines_are_json_with_the_request_id(client) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextIdsFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("lims.requests")
    logger.addHandler(handler)
    try:
        client.get("/health/live", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "GET /health/live 200"
    assert record["request_id"] == "nginx-0123456789abcdef"
    assert (record["level"], record["logger"], record["status"]) == ("INFO", "lims.requests", 200)
    assert record["method"] == "GET" and record["duration_ms"] >= 0
    assert "task_id" not in record
