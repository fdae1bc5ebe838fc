"""Real ``celery worker`` processes, started and stopped as a benchmark or a test needs them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

#: The checkout (workers run from it, whatever the caller's working folder).
REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60


def bench_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the workers a benchmark starts: the caller's, with Django's debug
    mode off unless ``DJANGO_DEBUG`` is set (as in production: with it on, every statement
    is also recorded in the process, which a figure should not include)."""
    env = dict(os.environ if base is None else base)
    env.setdefault("DJANGO_DEBUG", "false")
    return env


class WorkerNotReady(RuntimeError):
    """A worker exited, or did not say it was ready in time; the message holds its log."""


class WorkerProcess:
    """One ``celery -A lims worker`` subprocess, in a process group of its own (so that its
    pool children go with it), logging to ``log_path``."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        concurrency: int = 1,
        queues: str = "extraction,default",
        name: str = "worker",
    ) -> None:
        self.log_path = log_path
        self.name = f"{name}-{uuid.uuid4().hex[:8]}@%h"
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lims",
                "worker",
                "-Q",
                queues,
                "-c",
                str(concurrency),
                "--pool",
                "prefork",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> WorkerProcess:
        """Block until the worker logs that it is ready; raise WorkerNotReady otherwise."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise WorkerNotReady(f"The Celery worker exited:\n{self.log()}")
            if b" ready." in self.log_path.read_bytes():
                return self
            time.sleep(0.1)
        self.kill()
        raise WorkerNotReady(f"The Celery worker did not start in {timeout_s:g} s:\n{self.log()}")

    def log(self) -> str:
        """The end of the worker's log."""
        return self.log_path.read_text(errors="replace")[-5000:]

    @property
    def alive(self) -> bool:
        """Is the worker's main process still running?"""
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (no warm shutdown, no ack)."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        # Pool children that outlived their parent still belong to the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: running tasks finish or go back), then SIGKILL if it lingers."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        self.kill()


@contextlib.contextmanager
def worker_hosts(
    count: int, *, media_root: Path, env: dict[str, str] | None = None
) -> Iterator[list[WorkerProcess]]:
    """``count`` worker "hosts", ready; stopped on the way out. Each is a worker process group
    (one pool process) that sees the storage under a path of its own (a symlink to
    ``media_root`` standing for that host's network mount), as worker hosts do."""
    base = Path(tempfile.mkdtemp(prefix="lims-worker-hosts-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        started = []
        for n in range(count):
            mount = base / f"host-{n}" / "mnt" / "media"
            mount.parent.mkdir(parents=True)
            mount.symlink_to(media_root, target_is_directory=True)
            host_env = {**(env or os.environ), "MEDIA_ROOT": str(mount)}
            host_env.setdefault("PYTHONPATH", str(REPO_ROOT))
            worker = WorkerProcess(host_env, base / f"host-{n}.log", name=f"host-{n}")
            stack.callback(worker.stop)
            started.append(worker)
        for worker in started:
            worker.wait_ready()
        yield started
