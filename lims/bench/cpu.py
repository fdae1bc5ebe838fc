"""Where a benchmark's CPU time went, by the role of each process on this machine (Linux).

:class:`CpuMeter` reads every process's CPU time (``/proc/<pid>/stat``) and the machine's
(``/proc/stat``) when it starts and when it stops, and sums the difference by role: a Celery
worker's main process, its pool processes, the warm extraction children, PostgreSQL's and
Redis's server processes, and the rest. Divided by the files a run extracted, it tells what
one file costs and whether the cores were busy: two workers cannot go twice as fast as one
when one worker's file already keeps more than one core busy, or when the cores idle.

A process that ended between the two readings is missing from the roles (its time is in the
machine's busy total, so "other" carries it); one that started meanwhile counts from zero.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
#: the roles in the order they are printed
ROLES = (
    "celery pool",
    "extraction child",
    "postgresql",
    "celery main",
    "redis",
    "benchmark",
    "other",
)


def _ticks_per_second() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 100


_HZ = _ticks_per_second()


@dataclass(frozen=True)
class _Process:
    ticks: int
    parent: int
    command: str
    #: when it started (ticks since boot): a pid used again is another process
    born: int


def _processes() -> dict[int, _Process]:
    found: dict[int, _Process] = {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        # the command name may hold spaces and parentheses: the fields follow the last ")"
        name_end = stat.rfind(")")
        fields = stat[name_end + 2 :].split()
        found[int(entry.name)] = _Process(
            ticks=int(fields[11]) + int(fields[12]),
            parent=int(fields[1]),
            command=command or stat[stat.find("(") + 1 : name_end],
            born=int(fields[19]),
        )
    return found


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) ticks of every core since boot."""
    try:
        values = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, IndexError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle and iowait
    total = sum(values[:8])  # guest time is already inside user
    return total - idle, total


def _role(pid: int, processes: dict[int, _Process]) -> str:
    process = processes[pid]
    command = process.command
    if pid == os.getpid():
        return "benchmark"
    if "extraction._child" in command:
        return "extraction child"
    if "celery" in command and " worker" in command:
        parent = processes.get(process.parent)
        is_pool = parent is not None and "celery" in parent.command
        return "celery pool" if is_pool else "celery main"
    if command.startswith("postgres"):
        return "postgresql"
    if command.startswith("redis-server"):
        return "redis"
    return "other"


@dataclass
class CpuMeter:
    """CPU seconds by role between :meth:`start` and :meth:`stop`."""

    seconds: dict[str, float] = field(default_factory=dict)
    busy_cores: float | None = None
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    _before: dict[int, _Process] = field(default_factory=dict)
    _machine_before: tuple[int, int] = (0, 0)

    def start(self) -> CpuMeter:
        self._before = _processes()
        self._machine_before = _machine_ticks()
        return self

    def stop(self) -> CpuMeter:
        after = _processes()
        busy, total = _machine_ticks()
        spent: Counter[str] = Counter()
        for pid, process in after.items():
            before = self._before.get(pid)
            earlier = before.ticks if before is not None and before.born == process.born else 0
            spent[_role(pid, after)] += max(0, process.ticks - earlier)
        machine_busy = busy - self._machine_before[0]
        machine_all = total - self._machine_before[1]
        # "other" is what the machine spent beyond the named roles (processes that ended too)
        named = sum(ticks for role, ticks in spent.items() if role != "other")
        spent["other"] = max(spent["other"], machine_busy - named)
        self.seconds = {role: spent[role] / _HZ for role in ROLES}
        self.busy_cores = round(self.cores * machine_busy / machine_all, 2) if machine_all else None
        return self

    def per_file_ms(self, files: int) -> dict[str, float]:
        """Each role's CPU milliseconds per file, and their sum (``"all"``)."""
        if files <= 0:
            return {}
        shares = {role: round(1000 * s / files, 1) for role, s in self.seconds.items()}
        shares["all"] = round(1000 * sum(self.seconds.values()) / files, 1)
        return shares
