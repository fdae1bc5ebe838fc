"""The ingest benchmark's measurements (``manage.py bench_ingest`` prints them).

* :func:`throughput`: every file of a folder uploaded through the API (``repeat`` times, each
  time into a new dataset so that nothing is a duplicate), then N worker processes extract
  the backlog; files/s and MB/s from the workers' start to the last ``done`` (and the
  uploads' own pace, measured apart: a single client uploading one file at a time would
  otherwise be what is measured).
* :func:`upload_speed`: a generated file sent through the real request handler (raw,
  multipart and chunked), streamed, hashed and moved into storage, against a plain write with
  fsync of the same size made just before it, with the process's peak memory. Each of the two
  writes is preceded by :func:`page_cache_recycle`, so that neither pays for memory the
  virtual machine gave back to its host while the other does not.
"""

from __future__ import annotations

import gc
import hashlib
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Count

from lims.accounts.models import User
from lims.bench.client import BLOCK, MB, BenchError, Client, Repeat
from lims.bench.cpu import CpuMeter
from lims.bench.workers import WorkerProcess, bench_env
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create
from lims.files.ingest.folders import list_files
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile
from lims.files.uploads.handlers import partial_dir
from lims.files.uploads.memory import malloc_tune_for_uploads
from lims.projects.models import Project

FINAL = [ExtractionStatus.DONE, ExtractionStatus.FAILED, ExtractionStatus.UNSUPPORTED]
Say = Callable[[str], None]


@dataclass
class Bench:
    """What every measurement needs: the client, a throw-away project and its user."""

    client: Client
    project: Project
    user: User
    say: Say

    def dataset(self, prefix: str) -> Dataset:
        """A new, empty dataset in the benchmark's project."""
        return dataset_create(
            project=self.project, title=f"{prefix}-{uuid.uuid4().hex[:8]}", created_by=self.user
        )


@contextmanager
def workers(count: int, env: dict[str, str] | None = None) -> Iterator[list[WorkerProcess]]:
    """``count`` worker processes (one pool process each), ready; stopped on the way out."""
    logs = Path(tempfile.mkdtemp(prefix="lims-bench-workers-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, logs, ignore_errors=True)
        started = []
        for n in range(count):
            worker = WorkerProcess(bench_env(env), logs / f"worker-{n}.log", name=f"bench-{n}")
            stack.callback(worker.stop)
            started.append(worker)
        for worker in started:
            worker.wait_ready()
        yield started


def throughput(
    bench: Bench,
    folder: Path,
    n_workers: int,
    *,
    repeat: int,
    timeout_s: float,
    excludes: Sequence[str],
) -> dict[str, Any]:
    """Upload the folder ``repeat`` times, then let ``n_workers`` workers extract the backlog;
    the figures of both (the uploads' pace does not limit the workers')."""
    files = list_files(folder, excludes)
    datasets = [bench.dataset(f"w{n_workers}-r{n}") for n in range(repeat)]
    started = time.perf_counter()
    uploaded = 0
    for dataset in datasets:
        for path in files:
            bench.client.upload(dataset, path, name=path.name)
            uploaded += path.stat().st_size
    upload_s = time.perf_counter() - started
    queryset = InstrumentFile.objects.filter(dataset__in=datasets)
    with workers(n_workers):
        meter = CpuMeter().start()
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        while queryset.exclude(status__in=FINAL).exists():
            if time.monotonic() > deadline:
                raise BenchError("Timed out waiting for the workers.")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        meter.stop()
    logical = queryset.count()
    cpu_ms = meter.per_file_ms(logical)
    statuses = {str(s): queryset.filter(status=s).count() for s in FINAL}
    runs = ExtractionRun.objects.filter(file__dataset__in=datasets)
    finished = list(runs.exclude(started_at=None).exclude(finished_at=None))
    durations = sorted(r.duration_s for r in finished)
    # a run's time minus the extraction's own time in the child: what the pipeline adds
    overheads = sorted(
        r.duration_s - r.extraction_s for r in finished if r.extraction_s is not None
    )
    warm = _warm(finished)
    result = {
        "workers": n_workers,
        "files": logical,
        "uploaded_files": len(files) * len(datasets),
        "megabytes": round(uploaded / MB, 1),
        "seconds": round(elapsed, 2),
        "upload_seconds": round(upload_s, 2),
        "upload_files_per_s": round(len(files) * len(datasets) / upload_s, 2),
        "files_per_s": round(logical / elapsed, 2),
        "warm_up_seconds": warm["warm_up_seconds"],
        "files_per_s_warm": warm["files_per_s"],
        "mb_per_s": round(uploaded / MB / elapsed, 2),
        "statuses": statuses,
        "runs": {row["status"]: row["n"] for row in runs.values("status").annotate(n=Count("id"))},
        "run_seconds_median": round(durations[len(durations) // 2], 3) if durations else None,
        "run_seconds_total": round(sum(durations), 2),
        "overhead_ms_median": _ms(statistics.median(overheads)) if overheads else None,
        "overhead_ms_p90": _ms(overheads[int(len(overheads) * 0.9)]) if overheads else None,
        "cpu_ms_per_file": cpu_ms,
        "busy_cores": meter.busy_cores,
    }
    bench.say(
        f"{n_workers} worker(s): {logical} files ({result['megabytes']} MB) uploaded in "
        f"{upload_s:.1f} s ({result['upload_files_per_s']} files/s), then extracted in "
        f"{elapsed:.1f} s: {result['files_per_s']} files/s, {result['mb_per_s']} MB/s "
        f"({statuses}); once every worker's extraction child was warm (after "
        f"{warm['warm_up_seconds']} s): {warm['files_per_s']} files/s; "
        f"per run: median {result['run_seconds_median']} s, overhead beyond "
        f"the extraction itself median {result['overhead_ms_median']} ms "
        f"(p90 {result['overhead_ms_p90']} ms); CPU per file {cpu_ms.get('all')} ms ("
        + ", ".join(f"{role} {ms}" for role, ms in cpu_ms.items() if role != "all")
        + f"), {meter.busy_cores} of {meter.cores} cores busy"
    )
    return result


def _warm(runs: Sequence[ExtractionRun]) -> dict[str, float | None]:
    """The pace once every worker process had its extraction child warm: a new worker's first
    run waits for its child to import the readers (seconds; once per worker process, not per
    file), which a backlog of a few hundred files would otherwise spread over every file.
    Warm from the end of the last worker process's first run; the runs started after it,
    over the time from then to the last run's end."""
    firsts: dict[str, ExtractionRun] = {}
    for run in sorted(runs, key=lambda r: r.started_at):
        firsts.setdefault(run.worker, run)
    if not firsts:
        return {"warm_up_seconds": None, "files_per_s": None}
    start = min(r.started_at for r in runs)
    warm_from = max(r.finished_at for r in firsts.values())
    end = max(r.finished_at for r in runs)
    later = [r for r in runs if r.started_at >= warm_from]
    seconds = (end - warm_from).total_seconds()
    return {
        "warm_up_seconds": round((warm_from - start).total_seconds(), 2),
        "files_per_s": round(len(later) / seconds, 2) if later and seconds > 0 else None,
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def upload_speed(
    bench: Bench, *, size: int, rounds: int, chunk_bytes: int, drop_caches: bool = False
) -> dict[str, Any]:
    """Raw, multipart and chunked uploads of ``size`` bytes, each against a plain write; with
    ``drop_caches``, each write starts from an emptied page cache (:func:`page_cache_drop`)."""
    if drop_caches:
        page_cache_drop()  # refused at once when it may not
    # This process stands for a web process: its heap is set as lims.config.wsgi sets theirs.
    malloc_tune_for_uploads()
    # Warm up (imports, URL resolving, the hashing thread) so that they are not counted.
    warm = bench.dataset("warm")
    bench.client.upload(warm, Repeat(os.urandom(BLOCK), 4 * BLOCK), "warm.bin", raw=True)
    bench.client.upload(warm, Repeat(os.urandom(BLOCK), 4 * BLOCK), "warm.bin")
    # The disk's speed varies from one minute to the next (write-back, the host's cache):
    # each upload is compared with a plain write of the same size made just before it.
    results: dict[str, Any] = {"bytes": size, "rounds": rounds}
    for mode in ("raw", "multipart", "chunked"):
        measured = [
            _upload_round(bench, mode, size, chunk_bytes, drop_caches) for _ in range(rounds)
        ]
        figures: dict[str, Any] = {
            key: statistics.median(r[key] for r in measured)
            for key in (
                "seconds",
                "mb_per_s",
                "disk_write_mb_per_s",
                "vs_disk_write",
                "sha256_mb_per_s",
                "cpu_seconds",
                "page_faults",
            )
        }
        figures["peak_rss_mb"] = max(r["peak_rss_mb"] for r in measured)
        figures["peak_rss_growth_mb"] = max(r["peak_rss_growth_mb"] for r in measured)
        figures["rounds"] = measured
        results[mode] = figures
        per_round = ", ".join(format(r["vs_disk_write"], ".0%") for r in measured)
        bench.say(
            f"Upload ({mode}) of {size / 1e9:.1f} GB, median of {len(measured)}: "
            f"{figures['mb_per_s']:.0f} MB/s vs. a plain write with fsync just before: "
            f"{figures['disk_write_mb_per_s']:.0f} MB/s (ratio {figures['vs_disk_write']:.0%};"
            f" per round: {per_round}); SHA-256 alone, the upload's ceiling: "
            f"{figures['sha256_mb_per_s']:.0f} MB/s; {figures['cpu_seconds']:.2f} s of CPU in "
            f"{figures['seconds']:.2f} s, {figures['page_faults']:.0f} page faults; "
            f"peak RSS {figures['peak_rss_mb']:.0f} MB "
            f"(+{figures['peak_rss_growth_mb']:.0f} MB during the upload)"
        )
    return results


def _peak_rss_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _upload_round(
    bench: Bench, mode: str, size: int, chunk_bytes: int, drop_caches: bool
) -> dict[str, Any]:
    """One plain write, then one upload of the same size; their speeds and the memory, and
    the speed of SHA-256 alone over as many bytes (which no upload can pass: it must hash
    every byte before it answers, while the plain write hashes nothing)."""
    disk_mb_s = plain_write(size, drop_caches)
    sha256_mb_s = sha256_speed(size)
    dataset = bench.dataset(f"upload-{mode}")
    # Bytes the client sends for free (one random block repeated; new each time, so nothing
    # is a duplicate): what is measured is the server's work.
    source = Repeat(os.urandom(BLOCK), size)
    gc.collect()
    page_cache_recycle(size, drop_caches)
    baseline_kb = _status_kb("VmRSS")
    resettable = _peak_rss_reset()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if mode == "chunked":
        body = bench.client.upload_chunked(dataset, source, "bench-upload.bin", chunk_bytes)
    else:
        body = bench.client.upload(dataset, source, "bench-upload.bin", raw=mode == "raw")
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = _status_kb("VmHWM")
    stored = InstrumentFile.objects.get(uid=body["uid"])
    if stored.size != size or stored.stored_file.size != size:
        raise BenchError(f"The stored file has {stored.size} bytes, not {size}.")
    stored.stored_file.storage.delete(stored.stored_file.name)  # free the disk
    mb_s = size / MB / elapsed
    return {
        "seconds": round(elapsed, 2),
        "mb_per_s": round(mb_s, 1),
        "disk_write_mb_per_s": round(disk_mb_s, 1),
        "vs_disk_write": round(mb_s / disk_mb_s, 2),
        "sha256_mb_per_s": round(sha256_mb_s, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "peak_rss_growth_mb": round((peak_kb - baseline_kb) / 1024, 1),
        "peak_is_for_this_upload": resettable,
        # CPU seconds of all the process's threads (hashing, copying, parsing): with a core
        # to spare they overlap and the wall-clock time is less.
        "cpu_seconds": round(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime, 2),
        "page_faults": after.ru_minflt - usage.ru_minflt,
    }


def plain_write(size: int, drop_caches: bool = False) -> float:
    """MB/s of a plain write of ``size`` bytes, 1 MiB at a time, with fsync, in the folder
    uploads are written to (the storage's disk): the yardstick."""
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=partial_dir()))
    try:
        block = os.urandom(BLOCK)
        page_cache_recycle(size, drop_caches)
        started = time.perf_counter()
        with (work / "plain-write.bin").open("wb") as handle:
            written = 0
            while written < size:
                data = block[: min(BLOCK, size - written)]
                handle.write(data)
                written += len(data)
            handle.flush()
            os.fsync(handle.fileno())
        speed = size / MB / (time.perf_counter() - started)
        (work / "plain-write.bin").unlink()
        os.sync()
        return speed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sha256_speed(size: int) -> float:
    """MB/s of SHA-256 over ``size`` bytes already in memory, 1 MiB at a time, in this
    process: the most an upload can reach on this CPU whatever the disk does."""
    block = os.urandom(BLOCK)
    sha = hashlib.sha256()
    started = time.perf_counter()
    for offset in range(0, size, BLOCK):
        sha.update(block[: min(BLOCK, size - offset)])
    return size / MB / (time.perf_counter() - started)


def page_cache_drop() -> None:
    """Empty the kernel's page cache (after a sync): root only, and the whole machine's.

    Why: after the workers' part of the benchmark, raw uploads on the development VM went
    43-52 % and 90-92 % of the plain write in alternate rounds (in the slow ones, writing
    into the page cache took 0.78 s per GB instead of 0.23 s; the plain write did not
    change), and stayed so until the cache was dropped. ``--drop-caches`` starts every
    plain write and every upload from an emptied cache, the same for both.
    """
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("1")
    except OSError as error:
        raise BenchError(
            f"--drop-caches needs root (writing /proc/sys/vm/drop_caches: {error})"
        ) from error


def page_cache_recycle(size: int, drop: bool = False) -> None:
    """Write ``size`` bytes (and a tenth more) to a file in the uploads' folder and delete it
    unsynced, after a sync: the next write of that size gets freshly freed page-cache pages.

    Why: on a virtual machine with free page reporting (this one's kernel reports every free
    8 MiB block to the host about two seconds after it is freed), memory that stayed free that
    long is given back, and the next write that needs it waits for the host to fault it in
    again: a 1 GB write then took 1.6-3.3 s instead of 0.2-0.6 s. Which of two writes made
    one after the other paid that depended on the pauses between them, and it made single
    ratios between a plain write and an upload range from 14 % to 131 %. Recycled just
    before each, both start alike. The unsynced file's pages are dropped with it (no disk
    work); the sync first settles what earlier writes left dirty.
    """
    if drop:
        page_cache_drop()
    else:
        os.sync()
    path = partial_dir() / f"bench-recycle-{uuid.uuid4().hex}.bin"
    try:
        block = os.urandom(BLOCK)
        with path.open("wb") as handle:
            for _ in range(0, size + size // 10, BLOCK):
                handle.write(block)
    finally:
        path.unlink()


def project_delete_with_bytes(project: Project) -> None:
    """Delete the benchmark's project and every byte its files stored."""
    files = InstrumentFile.objects.filter(dataset__project=project)
    for instrument_file in files.prefetch_related("companions", "previews"):
        fields = [instrument_file.stored_file, instrument_file.preview, instrument_file.thumbnail]
        fields += [c.stored_file for c in instrument_file.companions.all()]
        fields += [f for p in instrument_file.previews.all() for f in (p.image, p.thumbnail)]
        for field in fields:
            if field:
                with suppress(OSError):
                    field.storage.delete(field.name)
    project.delete()
