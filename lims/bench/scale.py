"""The scale-out benchmark's measurements (``manage.py bench_scale`` prints them).

* :func:`hosts_throughput`: a folder of a few thousand files (the given folder copied N times,
  one dataset per copy) imported in place while 1, then 2, worker "hosts" extract it: each
  host a worker process group of its own with its own view of storage (as in the two-host
  test). Files per second from the start of the import to the last file extracted, and
  from the first extraction started to the last finished (the workers' own rate).
* :func:`web_throughput`: gunicorn serving the file page and the search page to wrk, run as
  a second process for a bounded time with a bounded number of connections: requests per
  second and the 50th/95th/99th percentile latency.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.management import call_command
from django.db.models import Max, Min
from django.test import Client

from lims.accounts.models import User
from lims.bench.client import BenchError
from lims.bench.workers import REPO_ROOT, bench_env, worker_hosts
from lims.files.ingest.folders import list_files
from lims.files.models import ExtractionRun, ExtractionStatus, InstrumentFile
from lims.projects.models import Project

FINAL = [ExtractionStatus.DONE, ExtractionStatus.FAILED, ExtractionStatus.UNSUPPORTED]
Say = Callable[[str], None]
#: wrk prints these after its own summary (a Lua "done" hook).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.3f\\n", latency:percentile(50) / 1000))
  io.write(string.format("p95_ms %.3f\\n", latency:percentile(95) / 1000))
  io.write(string.format("p99_ms %.3f\\n", latency:percentile(99) / 1000))
  io.write(string.format("errors %d\\n", summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def copies_tree(source: Path, copies: int, excludes: tuple[str, ...]) -> Path:
    """A folder holding ``copies`` subfolders, each with every file of ``source`` (hard
    links where possible): a few thousand files from a few dozen."""
    tree = Path(tempfile.mkdtemp(prefix="lims-bench-share-"))
    files = list_files(source, excludes)
    for n in range(copies):
        for path in files:
            target = tree / f"copy-{n:03d}" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
    return tree


def hosts_throughput(
    *,
    tree: Path,
    n_hosts: int,
    project: Project,
    user: User,
    media_root: Path,
    timeout_s: float,
    say: Say,
    label: str = "",
) -> dict[str, Any]:
    """Import ``tree`` in place (one dataset per copy) with ``n_hosts`` worker hosts running;
    ``label`` tells this run's datasets from another's with as many hosts."""
    prefix = f"hosts={n_hosts}{label}"
    with worker_hosts(n_hosts, media_root=media_root, env=bench_env()):
        started = time.perf_counter()
        call_command(
            "import_folder",
            str(tree),
            "--project",
            project.slug,
            "--dataset",
            prefix,
            "--per-folder",
            "--in-place",
            "--user",
            user.username,
            "--no-progress",
            stdout=open(os.devnull, "w"),  # noqa: SIM115 - closed with the process
        )
        imported_s = time.perf_counter() - started
        files = InstrumentFile.objects.filter(
            dataset__project=project, dataset__title__startswith=prefix
        )
        deadline = time.monotonic() + timeout_s
        while files.exclude(status__in=FINAL).exists():
            if time.monotonic() > deadline:
                raise BenchError(f"Timed out waiting for {n_hosts} worker host(s).")
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
    count = files.count()
    span = ExtractionRun.objects.filter(file__in=files).aggregate(
        first=Min("started_at"), last=Max("finished_at")
    )
    worker_s = (span["last"] - span["first"]).total_seconds() if span["first"] else elapsed
    statuses = {str(s): files.filter(status=s).count() for s in FINAL}
    result = {
        "hosts": n_hosts,
        "files": count,
        "import_seconds": round(imported_s, 2),
        "seconds": round(elapsed, 2),
        "files_per_s": round(count / elapsed, 2),
        "worker_seconds": round(worker_s, 2),
        "worker_files_per_s": round(count / worker_s, 2),
        "statuses": statuses,
    }
    say(
        f"{n_hosts} worker host(s): {count} files, import to last done {elapsed:.1f} s = "
        f"{result['files_per_s']} files/s; first extraction to last {worker_s:.1f} s = "
        f"{result['worker_files_per_s']} files/s ({statuses})"
    )
    return result


@contextmanager
def gunicorn(port: int, workers: int) -> Iterator[str]:
    """The web tier as in production (gunicorn, DEBUG off) on a loopback port."""
    env = {**os.environ, "DJANGO_DEBUG": "false", "PYTHONPATH": str(REPO_ROOT)}
    env["GUNICORN_BIND"], env["GUNICORN_WORKERS"] = f"127.0.0.1:{port}", str(workers)
    log = tempfile.NamedTemporaryFile(prefix="lims-bench-gunicorn-", suffix=".log")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lims.config.wsgi:application",
            "--config",
            "python:lims.config.gunicorn",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{base}/health/live"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not start:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def wrk(url: str, *, cookie: str, seconds: int, connections: int) -> dict[str, Any]:
    """wrk (a second process) against one URL for ``seconds`` with ``connections``."""
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed (Debian: apt-get install wrk).")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-H",
                f"Cookie: {cookie}",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    figures = {
        key: float(value) for key, value in re.findall(r"^(p\d\d_ms|errors) (\S+)$", output, re.M)
    }
    rps = re.search(r"Requests/sec:\s+(\S+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "p50_ms": figures.get("p50_ms"),
        "p95_ms": figures.get("p95_ms"),
        "p99_ms": figures.get("p99_ms"),
        "errors": int(figures.get("errors", 0)) + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def web_throughput(
    *,
    user: User,
    file_uid: str,
    query: str,
    port: int,
    workers: int,
    seconds: int,
    connections: int,
    say: Say,
) -> dict[str, Any]:
    """Requests/s and latency percentiles of the file page and the search page."""
    cookie = session_cookie(user)
    results: dict[str, Any] = {"gunicorn_workers": workers, "connections": connections}
    with gunicorn(port, workers) as base:
        pages = (("file page", f"/files/{file_uid}/"), ("search", f"/search/?q={quote(query)}"))
        for page, path in pages:
            wrk(f"{base}{path}", cookie=cookie, seconds=2, connections=connections)  # warm up
            figures = wrk(f"{base}{path}", cookie=cookie, seconds=seconds, connections=connections)
            results[page] = figures
            say(
                f"{page}: {figures['requests_per_s']:.0f} requests/s, p50 {figures['p50_ms']:.1f} "
                f"ms, p95 {figures['p95_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
                f"{figures['errors']} errors ({connections} connections, {seconds} s)"
            )
    return results
