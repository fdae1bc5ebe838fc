"""The upload part of ``bench_ingest``: each way of uploading measured against a plain write,
on the real request handler, with what it stored deleted afterwards."""

from __future__ import annotations

import json
import re
import statistics
from io import StringIO

import pytest
from django.core.management import call_command

from lims.files.models import InstrumentFile
from lims.projects.models import Project

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_way_of_uploading_is_measured_against_a_plain_write(tmp_path) -> None:
    out = StringIO()
    call_command(
        "bench_ingest", str(tmp_path), "--skip-workers", "--upload-gb", "0.02", "--rounds", "2",
        "--chunk-mb", "8", "--drop-caches", stdout=out,
    )  # fmt: skip
    text = out.getvalue()

    for mode in ("raw", "multipart", "chunked"):
        line = re.search(rf"^Upload \({mode}\) of 0\.0 GB, median of 2: .*$", text, re.M)
        assert line, text
        assert "vs. a plain write with fsync just before" in line.group(0)
    figures = json.loads(text[text.index("{") :])["upload"]
    assert figures["bytes"] == 20_000_000
    for mode in ("raw", "multipart", "chunked"):
        rounds = figures[mode]["rounds"]
        assert len(rounds) == 2
        assert all(r["mb_per_s"] > 0 and r["disk_write_mb_per_s"] > 0 for r in rounds)
        assert figures[mode]["vs_disk_write"] == pytest.approx(
            statistics.median(r["vs_disk_write"] for r in rounds)
        )
    # the benchmark's project and every byte it stored are gone
    assert not Project.objects.exists() and not InstrumentFile.objects.exists()
