"""``manage.py bench_ingest DIR [--workers N]``: how fast files go from upload to ``done``.

Two measurements, printed as figures:

* **Throughput**: every file of DIR (``--repeat`` times, each time into a new dataset so that
  nothing is a duplicate) is uploaded through the API while N Celery worker processes
  (``celery worker -Q extraction -c 1``, started here) extract them; files/s and MB/s from the
  first upload to the last ``done``. ``--workers 1,2`` runs both and prints the speed-up.
* **Upload path**: a generated file (2 GB by default) is sent through the real Django request
  handler (multipart, and chunked in ``--chunk-mb`` pieces), streamed, hashed and moved into
  storage; its MB/s is compared with a plain write (and fsync) of the same size on the same
  disk, and the process's peak memory (VmHWM) during the upload is reported.

It uses the configured database, broker and storage, creates a throw-away project and
deletes it (and its stored files) afterwards. Run it on an otherwise idle system.
"""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from rest_framework.authtoken.models import Token

from lims.accounts.models import User
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create
from lims.files.imports import DEFAULT_EXCLUDES, list_files
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile
from lims.files.uploads import partial_dir
from lims.projects.models import Project
from lims.projects.services import project_create

FINAL = [ExtractionStatus.DONE, ExtractionStatus.FAILED, ExtractionStatus.UNSUPPORTED]
MB = 1_000_000
BLOCK = 1024 * 1024


class _Repeat:
    """``total`` bytes made of one block over and over: a client that sends bytes for free,
    so that the measurement is the server's work only."""

    def __init__(self, block: bytes, total: int) -> None:
        self.block, self.total, self.position = block, total, 0

    def read(self, size: int) -> bytes:
        size = min(size, self.total - self.position, len(self.block))
        start = self.position % len(self.block)
        data = self.block[start : start + size]
        self.position += len(data)
        return data

    def close(self) -> None:
        pass


class _Body(io.RawIOBase):
    """A request body made of byte strings, file slices and repeated blocks, read lazily."""

    def __init__(self, parts: list[bytes | tuple[Path, int, int] | _Repeat]) -> None:
        self._parts = iter(parts)
        self._current: Any = None
        self._remaining = 0

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        if self._current is not None and not isinstance(self._current, bytes):
            self._current.close()
        part = next(self._parts, None)
        if part is None:
            self._current = None
            return False
        if isinstance(part, bytes):
            self._current, self._remaining = part, len(part)
        elif isinstance(part, _Repeat):
            self._current, self._remaining = part, part.total
        else:
            path, offset, length = part
            handle = path.open("rb")
            handle.seek(offset)
            self._current, self._remaining = handle, length
        return True

    def read(self, size: int | None = -1) -> bytes:
        size = BLOCK if size is None or size < 0 else size
        while self._remaining == 0:
            if not self._next():
                return b""
        if isinstance(self._current, bytes):
            start = len(self._current) - self._remaining
            data = self._current[start : start + size]
        else:
            data = self._current.read(min(size, self._remaining))
        self._remaining -= len(data)
        return data


class _Client:
    """Requests through the real WSGI handler, with streamed bodies and a token."""

    def __init__(self, token: str) -> None:
        self.handler = WSGIHandler()
        self.token = token
        self.host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".").replace("*", "x")

    def request(
        self,
        method: str,
        path: str,
        body: _Body | None = None,
        length: int = 0,
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": self.host,
            "SERVER_PORT": "80",
            "HTTP_HOST": self.host,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(length),
            "HTTP_AUTHORIZATION": f"Token {self.token}",
            "wsgi.input": body or io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        environ.update(
            {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        )
        status_holder: list[str] = []
        response = self.handler(environ, lambda status, headers: status_holder.append(status))
        content = b"".join(response)
        response.close()
        status = int(status_holder[0].split()[0])
        try:
            return status, json.loads(content or b"{}")
        except ValueError:
            return status, {"raw": content[:200].decode(errors="replace")}

    def upload(
        self, dataset: Dataset, source: Path | _Repeat, name: str, raw: bool = False
    ) -> dict[str, Any]:
        """One request: multipart/form-data, or with ``raw`` the bytes as the body."""
        size, part = _sized(source)
        if raw:
            status, body = self.request(
                "POST",
                f"/api/files/?dataset={dataset.uid}",
                _Body([part]),
                size,
                "application/octet-stream",
                {"Content-Disposition": f'attachment; filename="{name}"'},
            )
        else:
            boundary = uuid.uuid4().hex
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\n'
                f"{dataset.uid}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            tail = f"\r\n--{boundary}--\r\n".encode()
            status, body = self.request(
                "POST",
                "/api/files/",
                _Body([head, part, tail]),
                len(head) + size + len(tail),
                f"multipart/form-data; boundary={boundary}",
            )
        if status not in {200, 201}:
            raise CommandError(f"Upload of {name} answered {status}: {body}")
        return body

    def upload_chunked(
        self, dataset: Dataset, source: Path | _Repeat, name: str, chunk: int
    ) -> dict[str, Any]:
        """The resumable protocol: a session, chunks with Content-Range, completion."""
        size, _ = _sized(source)
        payload = json.dumps({"dataset": str(dataset.uid), "filename": name, "size": size})
        status, session = self.request(
            "POST", "/api/uploads/", _Body([payload.encode()]), len(payload), "application/json"
        )
        if status != 201:
            raise CommandError(f"Starting a chunked upload answered {status}: {session}")
        offset = 0
        while offset < size:
            length = min(chunk, size - offset)
            if isinstance(source, _Repeat):
                part: Any = _Repeat(source.block, length)
            else:
                part = (source, offset, length)
            status, session = self.request(
                "PUT",
                f"/api/uploads/{session['uid']}/",
                _Body([part]),
                length,
                "application/octet-stream",
                {"Content-Range": f"bytes {offset}-{offset + length - 1}/{size}"},
            )
            if status != 200:
                raise CommandError(f"A chunk answered {status}: {session}")
            offset = session["offset"]
        status, body = self.request("POST", f"/api/uploads/{session['uid']}/complete/")
        if status not in {200, 201}:
            raise CommandError(f"Completing the upload answered {status}: {body}")
        return body


def _sized(source: Path | _Repeat) -> tuple[int, Any]:
    if isinstance(source, _Repeat):
        return source.total, _Repeat(source.block, source.total)
    size = source.stat().st_size
    return size, (source, 0, size)


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


class Command(BaseCommand):
    help = (
        "Benchmark ingest: files/s and MB/s from upload to done with N worker processes, and "
        "the upload path's speed (vs. a plain disk write) and peak memory on a large file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="A folder of instrument files to ingest.")
        parser.add_argument(
            "--workers", default="1", help="Worker processes; a list (1,2) runs each in turn."
        )
        parser.add_argument(
            "--repeat", type=int, default=3, help="Upload the folder this many times (3)."
        )
        parser.add_argument(
            "--upload-gb", type=float, default=2.0, help="Size of the generated file (2 GB)."
        )
        parser.add_argument("--chunk-mb", type=int, default=64, help="Chunk size (64 MB).")
        parser.add_argument(
            "--rounds", type=int, default=3, help="Upload measurements per mode (median; 3)."
        )
        parser.add_argument("--skip-upload", action="store_true", help="No large-file test.")
        parser.add_argument("--skip-workers", action="store_true", help="No throughput test.")
        parser.add_argument("--timeout", type=float, default=1800, help="Seconds per run.")
        parser.add_argument(
            "--exclude", action="append", default=[], metavar="GLOB", help="Skip these names."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A terminated benchmark still stops its workers and deletes its project (finally:).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        folder: Path = options["dir"].resolve()
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.", returncode=2)
        user, _ = User.objects.get_or_create(
            username="bench-ingest", defaults={"is_staff": True, "email": "bench@localhost"}
        )
        token, _ = Token.objects.get_or_create(user=user)
        client = _Client(token.key)
        project = project_create(
            name="Ingest benchmark",
            slug=f"bench-{uuid.uuid4().hex[:8]}",
            created_by=user,
        )
        figures: dict[str, Any] = {}
        try:
            if not options["skip_workers"]:
                counts = [int(n) for n in str(options["workers"]).split(",") if n.strip()]
                for workers in counts:
                    figures[f"workers={workers}"] = self._throughput(
                        client, project, user, folder, workers, options
                    )
                if len(counts) > 1:
                    base = figures[f"workers={counts[0]}"]["files_per_s"]
                    for workers in counts[1:]:
                        speedup = figures[f"workers={workers}"]["files_per_s"] / base
                        figures[f"speedup {workers} vs {counts[0]}"] = round(speedup, 2)
                        self.stdout.write(
                            f"Speed-up {workers} vs {counts[0]} worker(s): {speedup:.2f}x"
                        )
            if not options["skip_upload"]:
                figures["upload"] = self._upload(client, project, user, options)
        finally:
            self._cleanup(project)
        self.stdout.write(json.dumps(figures, indent=2))

    # --- throughput ------------------------------------------------------------------------

    def _throughput(
        self,
        client: _Client,
        project: Project,
        user: User,
        folder: Path,
        workers: int,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        files = list_files(folder, (*DEFAULT_EXCLUDES, *options["exclude"]))
        with self._workers(workers):
            datasets = [
                dataset_create(
                    project=project,
                    title=f"w{workers}-r{n}-{uuid.uuid4().hex[:6]}",
                    created_by=user,
                )
                for n in range(options["repeat"])
            ]
            started = time.perf_counter()
            uploaded = 0
            for dataset in datasets:
                for path in files:
                    client.upload(dataset, path, name=path.name)
                    uploaded += path.stat().st_size
            upload_s = time.perf_counter() - started
            queryset = InstrumentFile.objects.filter(dataset__in=datasets)
            deadline = time.monotonic() + options["timeout"]
            while queryset.exclude(status__in=FINAL).exists():
                if time.monotonic() > deadline:
                    raise CommandError("Timed out waiting for the workers.")
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
        logical = queryset.count()
        statuses = {str(s): queryset.filter(status=s).count() for s in FINAL}
        runs = ExtractionRun.objects.filter(file__dataset__in=datasets)
        durations = sorted(
            r.duration_s for r in runs.exclude(started_at=None).exclude(finished_at=None)
        )
        run_statuses = {
            row["status"]: row["n"] for row in runs.values("status").annotate(n=Count("id"))
        }
        result = {
            "workers": workers,
            "files": logical,
            "uploaded_files": len(files) * len(datasets),
            "megabytes": round(uploaded / MB, 1),
            "seconds": round(elapsed, 2),
            "upload_seconds": round(upload_s, 2),
            "files_per_s": round(logical / elapsed, 2),
            "mb_per_s": round(uploaded / MB / elapsed, 2),
            "statuses": statuses,
            "runs": run_statuses,
            "run_seconds_median": round(durations[len(durations) // 2], 3) if durations else None,
            "run_seconds_total": round(sum(durations), 2),
        }
        self.stdout.write(
            f"{workers} worker(s): {logical} files ({result['megabytes']} MB) upload to done in "
            f"{elapsed:.1f} s: {result['files_per_s']} files/s, {result['mb_per_s']} MB/s "
            f"({statuses})"
        )
        return result

    @contextmanager
    def _workers(self, count: int) -> Iterator[None]:
        logs = Path(tempfile.mkdtemp(prefix="lims-bench-workers-"))
        processes = []
        try:
            for n in range(count):
                log = (logs / f"worker-{n}.log").open("wb")
                processes.append(
                    (
                        subprocess.Popen(
                            [
                                sys.executable,
                                "-m",
                                "celery",
                                "-A",
                                "lims",
                                "worker",
                                "-Q",
                                "extraction,default",
                                "-c",
                                "1",
                                "--pool",
                                "prefork",
                                "-n",
                                f"bench-{n}-{uuid.uuid4().hex[:6]}@%h",
                                "--without-gossip",
                                "--without-mingle",
                                "--loglevel",
                                "INFO",
                            ],
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                            cwd=settings.BASE_DIR,
                        ),
                        logs / f"worker-{n}.log",
                    )
                )
            deadline = time.monotonic() + 60
            for process, log_path in processes:
                while b" ready." not in log_path.read_bytes():
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise CommandError(f"A worker did not start:\n{log_path.read_text()}")
                    time.sleep(0.1)
            yield
        finally:
            for process, _ in processes:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process, _ in processes:
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
                # Whatever is left of the worker's process group (pool children) goes too.
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            shutil.rmtree(logs, ignore_errors=True)

    # --- the upload path -------------------------------------------------------------------

    def _upload(
        self, client: _Client, project: Project, user: User, options: dict[str, Any]
    ) -> dict[str, Any]:
        size = int(options["upload_gb"] * 1e9)
        # Warm up (imports, URL resolving, the hashing thread) so that they are not counted.
        warm = dataset_create(
            project=project, title=f"warm-{uuid.uuid4().hex[:6]}", created_by=user
        )
        client.upload(warm, _Repeat(os.urandom(BLOCK), 4 * BLOCK), "warm.bin", raw=True)
        client.upload(warm, _Repeat(os.urandom(BLOCK), 4 * BLOCK), "warm.bin")
        # The disk's speed varies from one minute to the next (write-back, the host's cache):
        # each upload is compared with a plain write of the same size made just before it.
        results: dict[str, Any] = {"bytes": size, "rounds": options["rounds"]}
        for mode in ("raw", "multipart", "chunked"):
            rounds = [
                self._upload_round(client, project, user, mode, size, options)
                for _ in range(options["rounds"])
            ]
            figures = {
                key: statistics.median(r[key] for r in rounds)
                for key in ("seconds", "mb_per_s", "disk_write_mb_per_s", "vs_disk_write")
            }
            figures["peak_rss_mb"] = max(r["peak_rss_mb"] for r in rounds)
            figures["peak_rss_growth_mb"] = max(r["peak_rss_growth_mb"] for r in rounds)
            figures["rounds"] = rounds
            results[mode] = figures
            per_round = ", ".join(format(r["vs_disk_write"], ".0%") for r in rounds)
            self.stdout.write(
                f"Upload ({mode}) of {size / 1e9:.1f} GB, median of {len(rounds)}: "
                f"{figures['mb_per_s']:.0f} MB/s vs. a plain write with fsync just before: "
                f"{figures['disk_write_mb_per_s']:.0f} MB/s (ratio {figures['vs_disk_write']:.0%};"
                f" per round: {per_round}); peak RSS {figures['peak_rss_mb']:.0f} MB "
                f"(+{figures['peak_rss_growth_mb']:.0f} MB during the upload)"
            )
        return results

    def _upload_round(
        self,
        client: _Client,
        project: Project,
        user: User,
        mode: str,
        size: int,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        """One plain write, then one upload of the same size; their speeds and the memory."""
        disk_mb_s = self._plain_write(size)
        dataset = dataset_create(
            project=project, title=f"upload-{mode}-{uuid.uuid4().hex[:6]}", created_by=user
        )
        # Bytes the client sends for free (one random block repeated; new each time, so
        # nothing is a duplicate): what is measured is the server's work.
        source = _Repeat(os.urandom(BLOCK), size)
        gc.collect()
        os.sync()
        baseline_kb = _status_kb("VmRSS")
        resettable = _peak_rss_reset()
        started = time.perf_counter()
        if mode == "chunked":
            body = client.upload_chunked(
                dataset, source, "bench-upload.bin", options["chunk_mb"] * MB
            )
        else:
            body = client.upload(dataset, source, "bench-upload.bin", raw=mode == "raw")
        elapsed = time.perf_counter() - started
        peak_kb = _status_kb("VmHWM")
        stored = InstrumentFile.objects.get(uid=body["uid"])
        if stored.size != size or stored.stored_file.size != size:
            raise CommandError(f"The stored file has {stored.size} bytes, not {size}.")
        stored.stored_file.storage.delete(stored.stored_file.name)  # free the disk
        mb_s = size / MB / elapsed
        return {
            "seconds": round(elapsed, 2),
            "mb_per_s": round(mb_s, 1),
            "disk_write_mb_per_s": round(disk_mb_s, 1),
            "vs_disk_write": round(mb_s / disk_mb_s, 2),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            "peak_rss_growth_mb": round((peak_kb - baseline_kb) / 1024, 1),
            "peak_is_for_this_upload": resettable,
        }

    def _plain_write(self, size: int) -> float:
        """MB/s of a plain write of ``size`` bytes, 1 MiB at a time, with fsync, in the folder
        uploads are written to (the storage's disk): the yardstick."""
        work = Path(tempfile.mkdtemp(prefix="bench-", dir=partial_dir()))
        os.sync()
        try:
            block = os.urandom(BLOCK)
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

    # --- clean-up ----------------------------------------------------------------------------

    def _cleanup(self, project: Project) -> None:
        files = InstrumentFile.objects.filter(dataset__project=project)
        for instrument_file in files.prefetch_related("companions", "previews"):
            fields = [
                instrument_file.stored_file,
                instrument_file.preview,
                instrument_file.thumbnail,
            ]
            fields += [c.stored_file for c in instrument_file.companions.all()]
            fields += [f for p in instrument_file.previews.all() for f in (p.image, p.thumbnail)]
            for field in fields:
                if field:
                    with suppress(OSError):
                        field.storage.delete(field.name)
        project.delete()
