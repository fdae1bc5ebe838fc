"""``bench_export`` runs and prints its figures (small sizes: the command is the benchmark)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from lims.projects.models import Project

pytestmark = pytest.mark.django_db


def test_bench_export_prints_speed_and_memory(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("bench_export", "--gb", "0.008", "--files", "2", stdout=out)
    text = out.getvalue()
    figures = json.loads(text[text.index("{\n") :])
    assert figures["large"]["files"] == 2 and figures["large"]["data_mb"] == 8.0
    assert figures["large"]["zip_mb"] >= figures["large"]["data_mb"]
    assert len(figures["rss_growth_mb"]) == 2
    assert not Project.objects.filter(slug__startswith="bench-").exists()
