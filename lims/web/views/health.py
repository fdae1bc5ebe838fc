"""Probes for load balancers and monitoring, and the Prometheus metrics.

``/health/live`` answers 200 while the process serves requests (nothing else is asked: a
restart would not help a database that is down). ``/health/ready`` answers 200 only when the
database, the broker, the storage and at least one worker answer, 503 otherwise, with each
check's findings (queue lengths included) as JSON. ``/metrics`` is for Prometheus only.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from lims.ops.health import readiness
from lims.ops.metrics import exposition

LOOPBACK = {"127.0.0.1", "::1"}


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """200 while the web process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """200 when the database, broker, storage and a worker answer; 503 and why otherwise."""
    ok, report = readiness()
    return JsonResponse(report, status=200 if ok else 503)


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.LIMS_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    # Without a token: Prometheus on this host, talking to gunicorn directly (not via nginx).
    direct = "X-Forwarded-For" not in request.headers
    return direct and request.META.get("REMOTE_ADDR") in LOOPBACK


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format: request latency, queue depth, files, fixity problems."""
    if not _may_scrape(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
