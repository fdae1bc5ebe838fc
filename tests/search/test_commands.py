"""seed_synthetic and bench_search, small: the records, their index and the figures' shape."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from lims.accounts.models import User
from lims.files.models import InstrumentFile
from lims.search.models import SearchEntry, SearchKey
from lims.search.services import search_run

pytestmark = pytest.mark.django_db


def test_seed_synthetic_then_bench_search() -> None:
    out = StringIO()
    call_command("seed_synthetic", "--files", "400", "--projects", "6", stdout=out)
    assert "Created 400 files" in out.getvalue()
    assert InstrumentFile.objects.count() == 400 == SearchEntry.objects.count()
    assert SearchKey.objects.filter(key="ImageTags.Microscope Info.Voltage").exists()
    manager = User.objects.get(username="synth-manager")
    user = User.objects.get(username="synth-user")
    everything = search_run(user=manager, text="", facets=["microscope", "year"])
    assert everything.count == 400
    assert sum(v.count for v in everything.facets["microscope"]) == 400
    assert search_run(user=user, text="").count < 400
    # The full-text document is written by PostgreSQL from COPY'd rows too.
    assert search_run(user=manager, text="session").count == 400

    figures = StringIO()
    call_command(
        "bench_search", "--json", "--repeats", "2", "--export-repeats", "1", stdout=figures
    )
    rows = json.loads(figures.getvalue())
    assert len(rows) == 14
    assert set(rows[0]) == {"name", "p50_ms", "p95_ms", "max_ms", "rows"}
    by_name = {row["name"]: row for row in rows}
    assert by_name["facility manager: facets only"]["rows"] == 400
    assert by_name["facility manager: CSV export of 100k rows"]["rows"] == 400
    assert all(row["p50_ms"] <= row["p95_ms"] <= row["max_ms"] for row in rows)


def test_search_reindex_rebuilds_missing_entries(personas, add_file) -> None:
    file = add_file(personas.dataset, "stem")
    SearchEntry.objects.all().delete()
    assert search_run(user=personas.viewer, text="titan").count == 0
    out = StringIO()
    call_command("search_reindex", "--keys", stdout=out)
    assert "Indexed 1 files" in out.getvalue()
    assert [e.file_id for e in search_run(user=personas.viewer, text="titan").entries] == [file.pk]
