"""Facet counts kept per dataset (:class:`~lims.search.models.SearchTally`).

:func:`tally_rebuild` rewrites the tallies of some datasets from their live entries (one
grouped statement on PostgreSQL), under a lock of the datasets' rows so that two writers of
one dataset take turns; the indexer calls it for every batch it writes. :func:`tally_counts`
answers a query with neither words nor filters: it sums the tallies of the datasets the user
sees (about 30 rows a dataset) instead of counting every entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum

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
    with transaction.atomic():
        list(Dataset.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        SearchTally.objects.filter(dataset_id__in=ids).delete()
        live = SearchEntry.objects.filter(live=True, dataset_id__in=ids)
        rows: list[SearchTally] = []
        for facet, counts in _per_dataset(live).items():
            rows.extend(
                SearchTally(dataset_id=dataset, facet=facet, value=str(value)[:200], n=n)
                for (dataset, value), n in counts.items()
                if value not in (None, "")
            )
        totals = dict(live.values_list("dataset_id").annotate(n=Count("pk")).order_by())
        rows.extend(SearchTally(dataset_id=d, facet="", value="", n=n) for d, n in totals.items())
        tags = Dataset.tags.through.objects.filter(dataset_id__in=list(totals))
        rows.extend(
            SearchTally(dataset_id=d, facet="tag", value=name[:200], n=totals[d])
            for d, name in tags.values_list("dataset_id", "tag__name")
        )
        SearchTally.objects.bulk_create(rows, batch_size=5000)


def _per_dataset(entries: Any) -> dict[str, dict[tuple[int, Any], int]]:
    """``{facet: {(dataset id, value): n}}`` over ``entries``."""
    if connection.vendor != "postgresql":
        return {
            facet.name: {
                (d, v): n
                for d, v, n in entries.annotate(facet_value=_expression(facet))
                .values_list("dataset_id", "facet_value")
                .annotate(n=Count("pk"))
                .order_by()
            }
            for facet in _TALLIED
        }
    columns = {f"f{i}": _expression(facet) for i, facet in enumerate(_TALLIED)}
    inner_sql, params = entries.order_by().values("dataset_id", **columns).query.sql_with_params()
    names = list(columns)
    sets = ", ".join(f"(dataset_id, {name})" for name in names)
    sql = (
        f"SELECT GROUPING({', '.join(names)}), dataset_id, {', '.join(names)}, count(*) "
        f"FROM ({inner_sql}) AS hits GROUP BY GROUPING SETS ({sets})"
    )
    counts: dict[str, dict[tuple[int, Any], int]] = {facet.name: {} for facet in _TALLIED}
    last = len(names) - 1
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, dataset, *row in cursor.fetchall():
            values, n = row[:-1], row[-1]
            for i, facet in enumerate(_TALLIED):
                if not (grouping >> (last - i)) & 1:
                    counts[facet.name][(dataset, values[i])] = n
                    break
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
