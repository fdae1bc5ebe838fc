"""Structured logs: every line carries the id of the request or Celery task it belongs to.

:class:`RequestIdMiddleware` takes the id nginx sends (``X-Request-ID``) or makes one, returns
it in the response and logs one line per request; Celery's ``task_prerun`` / ``task_postrun``
signals do the same for tasks. :class:`ContextIdsFilter` adds both ids to every record and
:class:`JsonFormatter` writes one JSON object per line (``LIMS_LOG_FORMAT=json``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

current_request_id: ContextVar[str] = ContextVar("lims_request_id", default="")
current_task_id: ContextVar[str] = ContextVar("lims_task_id", default="")
current_task_name: ContextVar[str] = ContextVar("lims_task_name", default="")

_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_log = logging.getLogger("lims.requests")


class ContextIdsFilter(logging.Filter):
    """Adds ``request_id``, ``task_id``, ``task_name`` and ``context_id`` (whichever is set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        record.task_name = current_task_name.get()
        record.context_id = record.request_id or record.task_id or "-"
        return True


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, the ids and any ``extra``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s"
        )
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("timestamp", False)
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in ("request_id", "task_id"):
            if not log_data.get(key):
                log_data.pop(key, None)
        if getattr(record, "task_name", ""):
            log_data["task_name"] = record.task_name


class RequestIdMiddleware:
    """Gives every request an id (nginx's ``X-Request-ID`` when it sends a sane one), returns
    it as ``X-Request-ID`` and logs the request's method, path, status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        current = given if _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = current_request_id.set(current)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = current
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(getattr(request, "user", None), "pk", None),
                },
            )
            return response
        finally:
            current_request_id.reset(token)


@task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    current_task_id.set(task_id or "")
    current_task_name.set(getattr(task, "name", "") or "")


@task_postrun.connect
def _task_finished(**_: Any) -> None:
    current_task_id.set("")
    current_task_name.set("")
