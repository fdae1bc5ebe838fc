"""The environment of the workers a benchmark starts."""

from __future__ import annotations

import os

from lims.bench.workers import bench_env


def test_benchmark_workers_run_without_debug_unless_asked() -> None:
    assert bench_env({"PATH": "/bin"}) == {"PATH": "/bin", "DJANGO_DEBUG": "false"}
    assert bench_env({"DJANGO_DEBUG": "1"})["DJANGO_DEBUG"] == "1"  # what the caller set stays


def test_the_caller_environment_is_not_changed(monkeypatch) -> None:
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    monkeypatch.setenv("LIMS_MARK", "x")
    env = bench_env()
    assert env["LIMS_MARK"] == "x" and env["DJANGO_DEBUG"] == "false"
    assert "DJANGO_DEBUG" not in os.environ
