"""Counts (of workers, of hosts) compared over rounds: ``bench_ingest`` and ``bench_scale``.

Each count is measured in turn (1, 2, 1, 2…), so that neither has the cold caches or a burst
of the machine's other load to itself, and each count's median run is what is compared.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Run = dict[str, Any]


def counts_parse(text: str | int) -> list[int]:
    """``"1,2"`` → ``[1, 2]``: the counts a ``--workers``/``--hosts`` option names."""
    return [int(n) for n in str(text).split(",") if n.strip()]


def in_turn(
    counts: Sequence[int], rounds: int, measure: Callable[[int, int], Run]
) -> dict[int, list[Run]]:
    """Each count's runs, ``measure(count, round)`` called for the counts in turn, ``rounds``
    times over (at least once)."""
    runs: dict[int, list[Run]] = {count: [] for count in counts}
    for round_ in range(max(1, rounds)):
        for count in counts:
            runs[count].append(measure(count, round_))
    return runs


def median_run(runs: Sequence[Run], by: str, also: Iterable[str] = ()) -> Run:
    """The run whose ``by`` is the median one, with the medians of ``by`` and of each key in
    ``also`` (of the runs that have it; None when none has), and ``rounds``: each run's ``by``."""
    ordered = sorted(runs, key=lambda run: run[by])
    return {
        **ordered[len(ordered) // 2],
        **{key: median_present(run.get(key) for run in runs) for key in (by, *also)},
        "rounds": [run[by] for run in runs],
    }


def median_present(values: Iterable[float | None]) -> float | None:
    """The median of the values that are there (None when none is)."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base`` to two places, or None when either is missing or the base is 0."""
    return round(value / base, 2) if value is not None and base else None
