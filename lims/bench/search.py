"""The search benchmark: a fixed set of typical queries, as a facility manager and as a user who
sees a small part of the data, timed through the search service (count, page and facet counts
included: what the search page and ``/api/v1/search/`` do), and the EXPLAIN ANALYZE of the
slowest SQL statement."""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import connection, transaction

from lims.search.facets import DEFAULT_FACETS
from lims.search.services import export_header, export_rows, search_run
from lims.search.synthetic import RARE_KEY


@dataclass(frozen=True)
class BenchQuery:
    """One query of the benchmark."""

    name: str
    text: str
    page: int = 1
    export_rows: int = 0  # an export of this many rows instead of a page


QUERIES = (
    BenchQuery("text only", "graphene"),
    BenchQuery("facets only", ""),
    BenchQuery(
        "text + 3 facets + range",
        'catalyst microscope:"FEI Titan G2" technique:STEM kind:image kv:200..300',
    ),
    BenchQuery("rare vendor key", f'"{RARE_KEY}" >= 2'),
    BenchQuery("quantity in words", "300 kV"),
    BenchQuery("deep page", "", page=2000),
    BenchQuery("CSV export of 100k rows", "", export_rows=100_000),
)


@dataclass
class Timing:
    """The figures of one query for one persona."""

    name: str
    runs: list[float]
    rows: int

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.runs)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return {
            "name": self.name,
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
            "rows": self.rows,
        }


class _Null:
    def write(self, value: str) -> int:
        return len(value)


def run_once(user: Any, query: BenchQuery) -> int:
    """Run one query as ``user``; returns its row count (matches, or rows exported)."""
    if query.export_rows:
        writer = csv.writer(_Null())
        writer.writerow(export_header())
        count = 0
        for row in islice(export_rows(user=user, text=query.text), query.export_rows):
            writer.writerow(row)
            count += 1
        return count
    result = search_run(
        user=user, text=query.text, page=query.page, page_size=50, facets=DEFAULT_FACETS
    )
    return result.count


def bench(
    personas: dict[str, Any],
    *,
    repeats: int = 10,
    export_repeats: int = 2,
    progress: Callable[[str], None] = lambda message: None,
) -> list[Timing]:
    """Time every query for every persona (after one warm-up run each)."""
    timings = []
    for persona, user in personas.items():
        for query in QUERIES:
            rows = run_once(user, query)  # warm-up
            runs = []
            for _ in range(export_repeats if query.export_rows else repeats):
                started = time.perf_counter()
                rows = run_once(user, query)
                runs.append(time.perf_counter() - started)
            timing = Timing(f"{persona}: {query.name}", runs, rows)
            progress(str(timing.as_dict()))
            timings.append(timing)
    return timings


def slowest_statement(user: Any, query: BenchQuery) -> tuple[str, list[Any], float]:
    """The slowest SQL statement of one run of ``query``: (sql, params, seconds)."""
    statements: list[tuple[float, str, list[Any]]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql, list(params or [])))

    with connection.execute_wrapper(timed):
        run_once(user, query)
    seconds, sql, params = max(statements, key=lambda item: item[0])
    return sql, params, seconds


def explain(sql: str, params: list[Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement (PostgreSQL), JIT off as in a search."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
