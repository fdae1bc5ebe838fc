"""The warm extraction child: one process extracts file after file; a file that crashes,
blows up or hangs fails alone and the child is replaced (crafted files: tests/crafted.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from extraction import ExtractionChild
from tests.crafted import build_plugin, crafted_hspy

pytestmark = pytest.mark.slow

GOOD = [
    "msa/example1.msa",
    "digitalmicrograph/2D/test_STEM_image.dm3",
    "tiff/FEI-Helios-Ebeam-8bits.tif",
    "msa/example2.msa",
]


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plugin(tmp_path_factory.mktemp("hdf5-plugins"))


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crafted")
    kinds = ("segfault", "memory", "hang")
    return {how: crafted_hspy(folder / f"{how}.hspy", how) for how in kinds}


@pytest.fixture
def child(plugin_dir: Path) -> Iterator[ExtractionChild]:
    warm = ExtractionChild(env={**os.environ, "HDF5_PLUGIN_PATH": str(plugin_dir)})
    yield warm
    warm.close()


def _good(samples: Path, n: int) -> Path:
    return samples / GOOD[n % len(GOOD)]


def test_one_child_extracts_file_after_file(samples: Path, child: ExtractionChild) -> None:
    pids, counts = [], []
    for n in range(len(GOOD)):
        result = child.extract(_good(samples, n), timeout_s=120, full=False)
        assert result.status == "ok", result.error
        pids.append(child.stats.pid)
        counts.append(child.stats.files)
    assert len(set(pids)) == 1 and pids[0] == child.pid
    assert counts == [1, 2, 3, 4]
    # the extraction's own time is the result's; what isolation adds is measured apart
    assert 0 < child.stats.extract_s <= child.stats.total_s


def test_a_crash_a_memory_blow_up_and_a_hang_fail_alone_and_the_child_is_replaced(
    samples: Path, crafted: dict[str, Path], child: ExtractionChild
) -> None:
    batch = [
        _good(samples, 0),
        _good(samples, 1),
        crafted["segfault"],
        _good(samples, 2),
        crafted["memory"],
        _good(samples, 3),
        crafted["hang"],
        _good(samples, 0),
    ]
    outcomes = []
    for path in batch:
        result = child.extract(path, timeout_s=8, memory_limit_mb=300, full=False)
        outcomes.append((path.name, result.status, result.error or "", child.stats.pid))

    good = [o for o in outcomes if o[0] not in {"segfault.hspy", "memory.hspy", "hang.hspy"}]
    assert [o[1] for o in good] == ["ok"] * 5, good
    by_name = {o[0]: o for o in outcomes}
    _, status, error, segfault_pid = by_name["segfault.hspy"]
    assert status == "failed"
    assert error.startswith("The extraction process for 'segfault.hspy' was killed by SIGSEGV")
    _, status, error, memory_pid = by_name["memory.hspy"]
    assert status == "failed"
    assert error.startswith("Extraction of 'memory.hspy' ran out of memory (limit 300 MB)")
    _, status, error, hang_pid = by_name["hang.hspy"]
    assert status == "failed"
    assert error == "Extraction of 'hang.hspy' did not finish within 8 s and was stopped."

    pids = [o[3] for o in outcomes]
    # the first child served the two good files and the crash; each bad file ended its child
    assert pids[0] == pids[1] == pids[2] == segfault_pid
    assert pids[3] == pids[4] == memory_pid != segfault_pid
    assert pids[5] == pids[6] == hang_pid != memory_pid
    assert pids[7] not in {segfault_pid, memory_pid, hang_pid}
    assert child.stats.started == 4
    for gone in (segfault_pid, memory_pid, hang_pid):
        assert not Path(f"/proc/{gone}").exists()  # killed and reaped, not left running


def test_the_child_is_replaced_after_max_files(samples: Path, plugin_dir: Path) -> None:
    warm = ExtractionChild(max_files=2)
    try:
        pids = []
        for n in range(3):
            assert warm.extract(_good(samples, n), timeout_s=120, full=False).ok
            pids.append(warm.stats.pid)
        assert pids[0] == pids[1] != pids[2]
        assert warm.stats.history[-1].endswith("2 files")
    finally:
        warm.close()


def test_the_child_is_replaced_when_its_memory_grew(samples: Path) -> None:
    warm = ExtractionChild(max_growth_mb=0)
    try:
        big = samples / "emd" / "Test SI 16x16 215 kx.emd"
        assert warm.extract(big, timeout_s=120, full=False).ok
        first = warm.stats.pid
        assert warm.stats.replaced.startswith("grew ")
        assert warm.extract(_good(samples, 0), timeout_s=120, full=False).ok
        assert warm.stats.pid != first
    finally:
        warm.close()


def test_the_child_goes_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from extraction import ExtractionChild\n"
            "import sys, time\n"
            "child = ExtractionChild(); child.start()\n"
            "print(child.pid, flush=True); time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert Path(f"/proc/{child_pid}").exists()
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
        # an exited child of a dead parent is reaped by init; until then it is a zombie
        status = Path(f"/proc/{child_pid}/stat")
        if status.exists() and status.read_text().split(") ")[-1].startswith("Z"):
            break
    stat = Path(f"/proc/{child_pid}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[-1].startswith("Z")
