"""Query counts are part of the contract: lists do not grow with their length."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lims.files.ingest.register import companion_add
from tests.factories import InstrumentFileFactory, SignalPreviewFactory

pytestmark = pytest.mark.django_db


def _files(dataset, n: int) -> None:
    from django.core.files.base import ContentFile

    for i in range(n):
        instrument_file = InstrumentFileFactory(dataset=dataset, original_name=f"s{i}.emi")
        companion_add(parent=instrument_file, name=f"s{i}_1.ser", content=ContentFile(b"x"))
        SignalPreviewFactory(file=instrument_file, signal_index=0)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_file_list_and_detail_queries_do_not_grow(personas, api_client_for):
    client = api_client_for(personas.viewer)
    client.get("/api/v1/me/")  # the token's last use is noted once a minute, not counted here
    _files(personas.dataset, 2)
    few = _count(client, "/api/files/")
    _files(personas.dataset, 6)
    assert _count(client, "/api/files/") == few
    assert few <= 8
    uid = personas.dataset.files.first().uid
    assert _count(client, f"/api/files/{uid}/") <= 8
    assert _count(client, "/api/datasets/") <= 8
    assert _count(client, "/api/projects/") <= 6
