"""A real worker extracts a batch through its warm child: the files that crash, blow up or
hang the reader fail alone, every other file ends ``done``, and the child is replaced."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lims.files.ingest.services import file_ingest
from lims.files.models import ExtractionRun, InstrumentFile, RunStatus
from tests.crafted import build_plugin, crafted_hspy
from tests.factories import DatasetFactory
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GOOD = [
    "msa/example1.msa",
    "digitalmicrograph/2D/test_STEM_image.dm3",
    "tiff/FEI-Helios-Ebeam-8bits.tif",
    "msa/example2.msa",
    "digitalmicrograph/2D/test_diffraction_pattern.dm3",
]
CRAFTED = ("segfault", "memory", "hang")
RUN_LINE = re.compile(r"run (\d+): (\w+) in [\d.]+ s by extraction child (\d+)")


def test_bad_files_in_a_batch_fail_alone_and_the_child_is_replaced(
    samples: Path, worker_manager, worker_media, tmp_path: Path
) -> None:
    plugins = build_plugin(tmp_path / "plugins")
    worker_manager.stop_shared()  # only this test's worker consumes the queue
    worker = worker_manager.start(
        HDF5_PLUGIN_PATH=str(plugins),
        LIMS_EXTRACTION_TIMEOUT_S="10",
        LIMS_EXTRACTION_MEMORY_MB="300",
    )
    batch: list[Path] = []
    for n, relative in enumerate(GOOD):
        copy = tmp_path / f"good-{n}-{Path(relative).name}"
        shutil.copy(samples / relative, copy)
        batch.append(copy)
        if n < len(CRAFTED):  # good, bad, good, bad, good, bad, good, good
            batch.append(crafted_hspy(tmp_path / f"{CRAFTED[n]}.hspy", CRAFTED[n]))
    dataset = DatasetFactory()
    files = [file_ingest(dataset=dataset, upload=p, user=dataset.created_by).file for p in batch]

    def settled() -> bool:
        final = {"done", "failed", "unsupported"}
        return all(
            f.status in final for f in InstrumentFile.objects.filter(pk__in=[f.pk for f in files])
        )

    try:
        wait_for(settled, timeout=300, interval=0.5, what="the batch to be extracted")
    finally:
        worker.stop()  # its limits are this test's: no later test's file may reach it
    status = {f.original_name: (f.status, f.status_message) for f in dataset.files.all()}
    assert {n: s for n, (s, _) in status.items() if not n.startswith(CRAFTED)} == {
        p.name: "done" for p in batch if not p.name.startswith(CRAFTED)
    }
    assert status["segfault.hspy"][0] == "failed"
    assert "'segfault.hspy' was killed by SIGSEGV" in status["segfault.hspy"][1]
    assert status["memory.hspy"][0] == "failed"
    assert "'memory.hspy' ran out of memory (limit 300 MB)" in status["memory.hspy"][1]
    assert status["hang.hspy"] == (
        "failed",
        "Extraction of 'hang.hspy' did not finish within 10 s and was stopped.",
    )

    # Which child extracted each file, in the order the worker ran them (from its log).
    child_of = {int(run): int(pid) for run, _, pid in RUN_LINE.findall(worker.log_path.read_text())}
    runs = list(ExtractionRun.objects.filter(file__dataset=dataset).order_by("started_at"))
    assert all(run.attempts == 1 for run in runs)
    assert len(child_of) == len(batch), worker.log()
    names = [run.file.original_name for run in runs]
    pids = [child_of[run.pk] for run in runs]
    segments: list[set[int]] = [set()]
    for name, pid in zip(names, pids, strict=True):
        segments[-1].add(pid)
        if name.startswith(CRAFTED):
            segments.append(set())
    # the files between two bad ones shared one child; each bad file ended its child
    order = list(zip(names, pids, strict=True))
    assert all(len(segment) == 1 for segment in segments if segment), order
    assert len(set(pids)) == len(CRAFTED) + 1
    assert all(run.status in {RunStatus.DONE, RunStatus.FAILED} for run in runs)
    assert all(run.extraction_s is not None for run in runs)
