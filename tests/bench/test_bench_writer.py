"""The benchmark's writer: another process that writes files as extractions do while the
searches are timed; it starts, writes at about its rate, stops when told, and what it wrote is
findable (indexed through the receivers, as after an extraction)."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from lims.accounts.models import User
from lims.bench.writer import NEW_NAME, NEW_SPECIMEN
from lims.bench.writer_process import BackgroundWriter
from lims.files.models import InstrumentFile
from lims.search.models import SearchEntry
from lims.search.services import search_run
from lims.search.synthetic import seed_synthetic

pytestmark = pytest.mark.django_db(transaction=True)  # the writer's process sees commits only


def test_the_writer_writes_beside_and_its_files_are_findable() -> None:
    seed_synthetic(files=300, projects=5, seed=2)
    manager = User.objects.get(username="synth-manager")
    assert search_run(user=manager, text=NEW_NAME).count == 0

    with BackgroundWriter(rate=20) as writer:
        time.sleep(2)
    report = writer.report

    assert 10 <= report.writes <= 60  # 20 a second for about 2 s, on a busy machine
    assert len(report.added) == report.writes // 2  # every other write is a new file
    assert 0 < len(report.updated) <= report.writes - report.writes // 2
    assert InstrumentFile.objects.count() == 300 + len(report.added)
    assert SearchEntry.objects.count() == 300 + len(report.added)
    found = search_run(user=manager, text=NEW_NAME, page_size=100)
    assert found.count == len(report.added)
    assert {entry.file_id for entry in found.entries} == set(report.added)
    assert search_run(user=manager, text=NEW_SPECIMEN).count == len(report.updated)
    # Stopped for good: nothing is written after the block.
    after = InstrumentFile.objects.count()
    time.sleep(0.5)
    assert InstrumentFile.objects.count() == after


def test_bench_search_while_writing_prints_the_writers_rate() -> None:
    seed_synthetic(files=200, projects=5, seed=4)
    out = StringIO()
    call_command(
        "bench_search",
        "--while-writing", "10", "--repeats", "1", "--export-repeats", "1", "--no-explain",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "Meanwhile the writer wrote " in text
    assert " files/s of 10 asked; " in text
    assert "facility manager: text only" in text
