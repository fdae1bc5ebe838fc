"""Facet counts kept per dataset (:class:`~lims.search.models.SearchTally`).

Two writers. :func:`tally_change` adds the difference a few entries made (their counts before
and after the indexer rewrote them, from :func:`tally_of`, counted in Python from the entries'
own columns: no statement): what the indexer does for every batch, so that indexing one file
costs the same in a dataset of ten files or of a million.
:func:`tally_rebuild` rewrites the tallies of whole datasets from their live entries (one
grouped statement on PostgreSQL), for the changes that touch a dataset's every entry (trash,
restore) and for bulk loads. A rebuild locks the datasets' rows ``FOR UPDATE``, a change
``FOR SHARE`` (:func:`tally_lock`, taken before any entry is written): changes of one dataset
run side by side (adding to a count is one atomic upsert per row, in one order), a rebuild
waits for them and they for it. :func:`tally_counts` answers a query with neither words nor
filters: it sums the tallies of the datasets the user sees (about 30 rows a dataset) instead
of counting every entry.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

from lims.datasets.models import Dataset
from lims.search.facets import FACETS, Facet, _expression
from lims.search.models import SearchEntry, SearchTally

#: The facets whose values are whole numbers (ids, buckets), stored as text in the tally.
_NUMERIC = {"project", "dataset", "instrument", "uploader", "year", "month"} | {
    "beam_energy",
    "magnification",
    "pixel_size",
}
_TALLIED = [facet for facet in FACETS.values() if facet.name not in ("tag", "dataset")]


def tally_rebuild(*, dataset_ids: Iterable[int]) -> None:
    """Rewrite the tallies of these datasets from their live entries."""
    ids = sorted(set(dataset_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        tally_lock(dataset_ids=ids, shared=False)
        SearchTally.objects.filter(dataset_id__in=ids).delete()
        live = SearchEntry.objects.filter(live=True, dataset_id__in=ids)
        counted = _per_dataset(live, totals=True)
        totals = {dataset: n for (dataset, _), n in counted.pop("").items()}
        rows: list[SearchTally] = []
        for facet, counts in counted.items():
            rows.extend(
                SearchTally(dataset_id=dataset, facet=facet, value=str(value)[:200], n=n)
                for (dataset, value), n in counts.items()
                if value not in (None, "")
            )
        rows.extend(SearchTally(dataset_id=d, facet="", value="", n=n) for d, n in totals.items())
        tags = Dataset.tags.through.objects.filter(dataset_id__in=list(totals))
        rows.extend(
            SearchTally(dataset_id=d, facet="tag", value=name[:200], n=totals[d])
            for d, name in tags.values_list("dataset_id", "tag__name")
        )
        SearchTally.objects.bulk_create(rows, batch_size=5000)


def tally_columns() -> list[tuple[str, str, int]]:
    """``(facet, entry column, divisor)`` of each tallied facet: an entry counts in the value
    ``column // divisor`` (the year is the month ``YYYYMM // 100``), as :func:`tally_rebuild`
    groups them. For a writer that makes entries without asking the database for their
    tallies (the synthetic seeder; a test holds the two equal)."""
    return [
        (facet.name, "acquired_month", 100)
        if facet.column == "acquired_year"
        else (facet.name, facet.column, 1)
        for facet in _TALLIED
    ]


#: ``(dataset id, facet, value) -> n``; the facet "" with the value "" is the dataset's total.
Tally = Counter[tuple[int, str, str]]


def tally_lock(*, dataset_ids: Iterable[int], shared: bool = True) -> None:
    """Lock these datasets' rows (in id order) for a change of their tallies (``shared``) or
    a rebuild (not shared); call inside a transaction, before writing their entries."""
    ids = sorted(set(dataset_ids))
    if not ids:
        return
    if connection.vendor != "postgresql":
        list(Dataset.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
        return
    mode = "SHARE" if shared else "UPDATE"
    with connection.cursor() as cursor:  # the ORM has no FOR SHARE
        cursor.execute(
            f"SELECT id FROM {Dataset._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR {mode}",
            [ids],
        )


def tally_of(entries: Iterable[SearchEntry]) -> Tally:
    """What these entries add to their datasets' tallies: the live ones' facet values and
    totals, counted as :func:`tally_rebuild` groups them (``tally_columns``), from the
    entries' own columns. Tags are not in it (a tag's count is its dataset's total: see
    :func:`tally_change`)."""
    counts: Tally = Counter()
    columns = tally_columns()
    for entry in entries:
        if not entry.live:
            continue
        counts[entry.dataset_id, "", ""] += 1
        for facet, column, divisor in columns:
            value = getattr(entry, column)
            if value is not None and value != "":
                counts[
                    entry.dataset_id, facet, str(value // divisor if divisor > 1 else value)[:200]
                ] += 1
    return counts


def tally_entries_locked(entries: QuerySet[SearchEntry]) -> list[SearchEntry]:
    """These entries, locked ``FOR UPDATE`` (a second writer of the same entries counts after
    this one committed), with the columns :func:`tally_of` reads."""
    fields = {"dataset_id", "live", *(column for _, column, _ in tally_columns())}
    return list(entries.select_for_update().only(*fields))


def tally_change(
    *, before: Tally, after: Tally, dataset_tags: Mapping[int, Iterable[str]] | None = None
) -> None:
    """Add ``after - before`` to the tallies (one upsert; rows that reach zero are deleted).

    A dataset's tag rows count its entries, so they move with its total; its tags are read
    unless given in ``dataset_tags``. Lock the datasets first (:func:`tally_lock`).
    """
    delta: Counter[tuple[int, str, str]] = Counter(after)
    delta.subtract(before)
    moved = {dataset: n for (dataset, facet, _), n in delta.items() if facet == "" and n}
    if moved:
        tags = {dataset: list(names) for dataset, names in (dataset_tags or {}).items()}
        missing = [d for d in moved if d not in tags]
        through = Dataset.tags.through.objects.filter(dataset_id__in=missing)
        for dataset, name in through.values_list("dataset_id", "tag__name"):
            tags.setdefault(dataset, []).append(name)
        for dataset, n in moved.items():
            for name in tags.get(dataset, ()):
                delta[dataset, "tag", name[:200]] += n
    rows = sorted((*key, n) for key, n in delta.items() if n)
    if not rows:
        return
    table = SearchTally._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (dataset_id, facet, value, n) VALUES {values} "
            "ON CONFLICT (dataset_id, facet, value) DO UPDATE SET n = "
            f"{table}.n + EXCLUDED.n RETURNING id, n",
            [part for row in rows for part in row],
        )
        emptied = [pk for pk, n in cursor.fetchall() if n <= 0]
    if emptied:  # one statement, without the ORM's collector (nothing cascades from a tally)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(emptied))})", emptied
            )


def _per_dataset(entries: Any, *, totals: bool = False) -> dict[str, dict[tuple[int, Any], int]]:
    """``{facet: {(dataset id, value): n}}`` over ``entries``; with ``totals`` also
    ``{"": {(dataset id, None): n}}``."""
    if connection.vendor != "postgresql":
        counts = {
            facet.name: {
                (d, v): n
                for d, v, n in entries.annotate(facet_value=_expression(facet))
                .values_list("dataset_id", "facet_value")
                .annotate(n=Count("pk"))
                .order_by()
            }
            for facet in _TALLIED
        }
        if totals:
            per_dataset = entries.values_list("dataset_id").annotate(n=Count("pk")).order_by()
            counts[""] = {(d, None): n for d, n in per_dataset}
        return counts
    columns = {f"f{i}": _expression(facet) for i, facet in enumerate(_TALLIED)}
    inner_sql, params = entries.order_by().values("dataset_id", **columns).query.sql_with_params()
    names = list(columns)
    sets = ", ".join(f"(dataset_id, {name})" for name in names)
    if totals:
        sets += ", (dataset_id)"
    sql = (
        f"SELECT GROUPING({', '.join(names)}), dataset_id, {', '.join(names)}, count(*) "
        f"FROM ({inner_sql}) AS hits "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    counts: dict[str, dict[tuple[int, Any], int]] = {facet.name: {} for facet in _TALLIED}
    if totals:
        counts[""] = {}
    last = len(names) - 1
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, dataset, *row in cursor.fetchall():
            values, n = row[:-1], row[-1]
            for i, facet in enumerate(_TALLIED):
                if not (grouping >> (last - i)) & 1:
                    counts[facet.name][(dataset, values[i])] = n
                    break
            else:  # every facet grouped away: the dataset's total
                counts[""][(dataset, None)] = n
    return counts


def tally_counts(*, user: Any, facets: list[Facet]) -> tuple[dict[str, dict[Any, int]], int]:
    """The counts of these facets and the total over every live entry ``user`` may see,
    summed from the tallies of the datasets they see."""
    names = [f.name for f in facets if f.name != "dataset"]
    tallies = SearchTally.objects.visible_to(user)
    counts: dict[str, dict[Any, int]] = defaultdict(dict)
    rows = (
        tallies.filter(facet__in=[*names, ""])
        .values_list("facet", "value")
        .annotate(n=Sum("n"))
        .order_by()
    )
    total = 0
    for facet, value, n in rows:
        if facet == "":
            total = int(n)
            continue
        counts[facet][int(value) if facet in _NUMERIC else value] = int(n)
    if any(f.name == "dataset" for f in facets):
        per_dataset = tallies.filter(facet="").values_list("dataset_id", "n")
        counts["dataset"] = dict(per_dataset)
    return counts, total
