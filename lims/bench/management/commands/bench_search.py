"""``manage.py bench_search [--json]``: search latency at scale (see lims.bench.search)."""

from __future__ import annotations

import json
import os
from contextlib import nullcontext

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from lims.accounts.models import User
from lims.bench.search import QUERIES, bench, explain, slowest_statement
from lims.bench.writer_process import BackgroundWriter
from lims.search.models import SearchEntry


class Command(BaseCommand):
    help = (
        "Time typical searches (text only, facets only, text + three facets + a range, a rare "
        "vendor key, a quantity typed in words, a deep page, a CSV export of 100k rows) as a "
        "facility manager and as a user who sees a small part of the data; print p50, p95 and "
        "max per query and the row count, then the EXPLAIN ANALYZE of the slowest statement. "
        "With --while-writing RATE, another process meanwhile writes files as extractions do. "
        "Run seed_synthetic first (it makes the users synth-manager and synth-user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON figures only.")
        parser.add_argument("--repeats", type=int, default=10, help="Runs per query (10).")
        parser.add_argument("--export-repeats", type=int, default=2, help="Runs of exports (2).")
        parser.add_argument("--manager", default="synth-manager", help="The facility manager.")
        parser.add_argument("--user", default="synth-user", help="The user who sees a part.")
        parser.add_argument("--no-explain", action="store_true", help="Skip EXPLAIN ANALYZE.")
        parser.add_argument(
            "--while-writing",
            type=float,
            default=0,
            metavar="RATE",
            help="Meanwhile, another process writes RATE files a second as extractions do "
            "(half re-extracted, half new, each indexed as it is saved).",
        )

    def handle(self, *args: object, **options: object) -> None:
        # The warm matrix is timed: its first load (in this process's first search) waits.
        settings.LIMS_SEARCH_MATRIX_LOAD = "wait"
        personas = {}
        for label, key in (("facility manager", "manager"), ("user", "user")):
            user = User.objects.filter(username=options[key]).first()
            if user is None:
                raise CommandError(f"No user {options[key]!r}: run seed_synthetic first.")
            personas[label] = user
        as_json = bool(options["json"])
        total = SearchEntry.objects.filter(live=True).count()
        seen = SearchEntry.objects.visible_to(personas["user"]).count()
        if not as_json:
            share = 100 * seen / max(total, 1)
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            self.stdout.write(
                f"{total:,} files indexed; the user sees {seen:,} ({share:.1f} %). "
                f"Database: {connection.vendor}; {os.cpu_count()} CPUs, load average {load}."
            )
        rate = float(options["while_writing"])  # type: ignore[arg-type]
        with BackgroundWriter(rate=rate) if rate > 0 else nullcontext() as writer:
            timings = bench(
                personas,
                repeats=int(options["repeats"]),  # type: ignore[arg-type]
                export_repeats=int(options["export_repeats"]),  # type: ignore[arg-type]
            )
        figures = [t.as_dict() for t in timings]
        if writer is not None:
            report = writer.report
            line = (
                f"Meanwhile the writer wrote {report.writes:,} files in {report.seconds:.0f} s "
                f"({report.rate:.1f} files/s of {rate:g} asked; {len(report.added):,} new, "
                f"{len(report.updated):,} re-extracted)."
            )
            # The JSON stays the list of figures; the writer's line goes to stderr beside it.
            (self.stderr if as_json else self.stdout).write(line)
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        width = max(len(f["name"]) for f in figures)
        self.stdout.write(
            f"{'query':<{width}}  {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'rows':>10}"
        )
        for f in figures:
            self.stdout.write(
                f"{f['name']:<{width}}  {f['p50_ms']:>8} {f['p95_ms']:>8} {f['max_ms']:>8} "
                f"{f['rows']:>10,}"
            )
        if options["no_explain"] or connection.vendor != "postgresql":
            return
        searches = [t for t in timings if "export" not in t.name]
        worst = max(searches, key=lambda t: t.as_dict()["p95_ms"])
        persona, _, name = worst.name.partition(": ")
        query = next(q for q in QUERIES if q.name == name)
        sql, params, seconds = slowest_statement(personas[persona], query)
        self.stdout.write(
            f"\nSlowest search: {worst.name}; its slowest statement ({seconds * 1000:.0f} ms):\n"
        )
        self.stdout.write(explain(sql, params))
