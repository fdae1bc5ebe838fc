"""The ingest benchmark's CPU meter: each process's time lands in its role."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lims.bench.cpu import ROLES, CpuMeter

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc")

#: burns about 0.4 s of CPU, says so, then sleeps until killed; its command line names it an
#: extraction child, as the warm child's does
BURNER = (
    "import sys, time\n"
    "end = time.process_time() + 0.4\n"
    "while time.process_time() < end: pass\n"
    "print('burnt', flush=True)\n"
    "time.sleep(60)\n"
)


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_each_process_time_is_counted_in_its_role() -> None:
    meter = CpuMeter().start()
    child = subprocess.Popen(
        [sys.executable, "-c", BURNER, "extraction._child", "--serve"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "burnt\n"
        _burn(0.3)
        meter.stop()
    finally:
        child.kill()
        child.wait()

    assert list(meter.seconds) == list(ROLES)
    assert 0.3 <= meter.seconds["extraction child"] < 1.5
    assert 0.25 <= meter.seconds["benchmark"] < 1.5
    assert meter.seconds["celery pool"] == meter.seconds["celery main"] == 0
    assert meter.busy_cores is not None and 0.3 < meter.busy_cores <= meter.cores

    per_file = meter.per_file_ms(10)
    assert per_file["extraction child"] == round(100 * meter.seconds["extraction child"], 1)
    roles_sum = sum(ms for role, ms in per_file.items() if role != "all")
    assert per_file["all"] == pytest.approx(roles_sum, abs=1)
    assert meter.per_file_ms(0) == {}


def test_a_process_that_ended_meanwhile_is_in_other() -> None:
    meter = CpuMeter().start()
    subprocess.run(
        [sys.executable, "-c", BURNER.replace("time.sleep(60)", "pass"), "extraction._child"],
        check=True,
        capture_output=True,
    )
    meter.stop()
    assert meter.seconds["extraction child"] == 0  # gone before the second reading
    assert meter.seconds["other"] >= 0.3  # but the machine was busy with it
