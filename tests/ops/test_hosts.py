"""Workers on two "hosts" take work from one import, and nothing is done twice.

Each worker is its own process group with its own view of storage: host A and host B mount
the facility's storage at different paths (MEDIA_ROOT), and both read the originals in place
from the instrument share, as worker hosts next to the microscopes do. The import runs in
this process (the web host's role), registering the share's files in place; the two workers
consume the same broker.
"""

from __future__ import annotations

import re
import shutil

import pytest
from django.core.management import call_command

from lims.bench.workers import worker_hosts
from lims.files.models import ExtractionRun, InstrumentFile
from tests.worker import flush_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SAMPLES = [
    "digitalmicrograph/2D/test-1.dm3",
    "digitalmicrograph/2D/test-1.dm4",
    "digitalmicrograph/2D/test-8.dm3",
    "digitalmicrograph/1D/test-1.dm3",
    "digitalmicrograph/3D/test-1.dm4",
    "tiff/test_loading_image_saved_with_DM.tif",
    "tiff/test_loading_image_saved_with_imageJ.tif",
    "msa/example1.msa",
    "msa/example2.msa",
    "emd/example_image.emd",
    "emd/example_signal.emd",
    "hspy/example2_v3.1.hspy",
]
SUCCEEDED = re.compile(r"Task files\.extract_file\[([0-9a-f-]+)\] succeeded")


def test_two_worker_hosts_share_one_import_and_do_nothing_twice(
    worker_manager, worker_media, personas, samples, tmp_path
) -> None:
    worker_manager.stop_all()  # only the two hosts below consume
    flush_broker()
    share = tmp_path / "instrument-share"
    for relative in SAMPLES:
        target = share / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(samples / relative, target)
    with worker_hosts(2, media_root=worker_media, env=worker_manager.env()) as workers:
        call_command(
            "import_folder",
            str(share),
            "--project",
            personas.project.slug,
            "--dataset",
            "From the share",
            "--user",
            personas.contributor.username,
            "--in-place",
            "--no-progress",
        )
        files = InstrumentFile.objects.filter(dataset__title="From the share")
        assert files.count() == len(SAMPLES)
        assert all(f.in_place and not f.stored_file for f in files)
        wait_for(
            lambda: not files.exclude(status__in=["done", "failed", "unsupported"]).exists(),
            timeout=240,
            interval=0.5,
            what="both hosts to extract the import",
        )
        for worker in workers:
            worker.stop()  # a warm shutdown: every line is in the logs before they are read
        logs = {worker.name: worker.log_path.read_text() for worker in workers}

    assert sorted(files.values_list("status", flat=True)) == ["done"] * len(SAMPLES)
    runs = ExtractionRun.objects.filter(file__in=files)
    assert runs.count() == len(SAMPLES)  # one run per file
    assert set(runs.values_list("attempts", flat=True)) == {1}
    done_by = {name: SUCCEEDED.findall(log) for name, log in logs.items()}
    all_done = [task for tasks in done_by.values() for task in tasks]
    assert sorted(all_done) == sorted(runs.values_list("task_id", flat=True))  # none twice
    assert all(len(tasks) >= 1 for tasks in done_by.values()), done_by  # both hosts worked
    previews = [f.preview.name for f in files.all() if f.preview]  # spectra: plots, no image
    assert len(previews) == len(SAMPLES)
    for name in previews:  # written by either host, into the one storage
        assert (worker_media / name).is_file()
