"""Schemathesis against the OpenAPI schema: generated requests to every operation find no
server error and no answer that breaks the schema (a bounded number of examples each)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from lims.api.throttling import AnonymousRateThrottle, TokenRateThrottle
from tests.factories import api_key_for
from tests.web.conftest import done_file

#: Generated requests per operation: enough to try odd values of every parameter, few enough
#: for the suite (about 50 operations).
EXAMPLES = 8


@pytest.fixture
def api_schema(db, personas, monkeypatch):
    """The schema as the app serves it, the app in this test's transaction, and data to find."""
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/minute"})
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute"})
    # The app runs in this thread, inside the test's transaction: keep its connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    done_file(personas.dataset, original_name="lattice.dm3")
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_keeps_its_schema(api_schema, personas):
    headers = {"Authorization": f"Token {api_key_for(personas.manager)}"}
    checks = [not_a_server_error, response_schema_conformance]
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40

    for operation in operations:  # every operation, whatever the others found

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except Exception as error:  # every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:1500])
    assert failures == []
