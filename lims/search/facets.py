"""Facets: the values of a field among the results, with how many files have each.

A facet's counts apply every condition of the query but those on its own field, so several
values of one facet combine with OR and each keeps its count. On PostgreSQL the facets that
share a filter are counted in one scan (``GROUP BY GROUPING SETS``); the tags (through the
dataset) are one more query, and so is each facet whose field the query filters on.
Choosing a value adds its filter (:attr:`FacetValue.token`) to the query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, QuerySet

from extraction.schema import field_spec
from lims.datasets.models import Dataset
from lims.files.models import ExtractionStatus
from lims.instruments.models import Instrument
from lims.projects.models import Project
from lims.search.compile import CompiledQuery
from lims.search.language import quote
from lims.search.models import SearchEntry

#: Values shown per facet (histograms show every bucket).
TOP = 20


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: what it reads as, how many files, the filter that chooses it."""

    value: Any
    label: str
    count: int
    token: str
    selected: bool = False


@dataclass(frozen=True)
class Facet:
    """A facet: ``field`` is the search field it filters, ``column`` what it groups by."""

    name: str
    label: str
    field: str
    column: str
    histogram: bool = False  # buckets in order of value, all shown


def _schema_facet(key: str, label: str | None = None) -> Facet:
    return Facet(key, label or field_spec(key).label, key, key)


FACETS: dict[str, Facet] = {
    facet.name: facet
    for facet in (
        Facet("project", "Project", "project", "project_id"),
        Facet("dataset", "Dataset", "dataset", "dataset_id"),
        Facet("instrument", "Instrument", "instrument", "instrument_id"),
        _schema_facet("microscope"),
        _schema_facet("technique"),
        _schema_facet("kind", "Signal kind"),
        _schema_facet("detector"),
        _schema_facet("format"),
        _schema_facet("imaging_mode"),
        _schema_facet("vendor"),
        _schema_facet("operator"),
        Facet("year", "Year acquired", "acquired", "acquired_year", histogram=True),
        Facet("month", "Month acquired", "acquired", "acquired_month", histogram=True),
        Facet("beam_energy", "Beam energy", "beam_energy", "beam_kv", histogram=True),
        Facet("magnification", "Magnification", "magnification", "magnification_decade", True),
        Facet("pixel_size", "Pixel size", "pixel_size", "pixel_size_decade", histogram=True),
        Facet("uploader", "Uploaded by", "uploader", "uploaded_by_id"),
        Facet("status", "Extraction status", "status", "status"),
        Facet("tag", "Tag", "tag", "tag"),
    )
}
#: The facets the search page and the API give when none are asked for.
DEFAULT_FACETS = (
    "project",
    "instrument",
    "microscope",
    "technique",
    "kind",
    "detector",
    "format",
    "year",
    "beam_energy",
    "magnification",
    "pixel_size",
    "uploader",
    "status",
    "tag",
)


def _expression(facet: Facet) -> Any:
    if facet.column == "acquired_year":
        return F("acquired_month") / 100
    return F(facet.column)


@dataclass
class FacetCounts:
    """The facets' values, and the exact number of matching entries when counting them gave it
    (the grand total of the scan that applies the whole query), else None."""

    values: dict[str, list[FacetValue]]
    total: int | None = None


def facet_counts(
    entries: QuerySet[SearchEntry], query: CompiledQuery, names: Iterable[str]
) -> FacetCounts:
    """The values of each named facet among ``entries`` (already the user's visible entries)
    that match ``query`` but for the facet's own field; unknown names are left out."""
    facets = [FACETS[name] for name in dict.fromkeys(names) if name in FACETS]
    by_filter: dict[str | None, list[Facet]] = defaultdict(list)
    chosen = {c.field_name for c in query.conditions}
    postgres = connection.vendor == "postgresql"
    if postgres and facets:
        by_filter[None] = []  # the scan with the whole query also gives the total
    wants_tags = any(f.name == "tag" for f in facets)
    tags_from_datasets = postgres and wants_tags and "tag" not in chosen
    for facet in facets:
        if facet.name == "tag":
            continue
        by_filter[facet.field if facet.field in chosen else None].append(facet)
    if tags_from_datasets:  # the files per dataset, counted in the same scan, give the tags
        by_filter[None].append(_PER_DATASET)
    counts: dict[str, dict[Any, int]] = {}
    total = None
    for except_field, group in by_filter.items():
        matching = entries.filter(query.filter(except_field=except_field))
        grouped, grand_total = _grouped(matching, group)
        counts.update(grouped)
        if except_field is None:
            total = grand_total
    if tags_from_datasets:
        counts["tag"] = _tags_of(counts.pop(_PER_DATASET.name, {}))
    elif wants_tags:
        counts["tag"] = _tag_counts(entries.filter(query.filter(except_field="tag")))
    return FacetCounts(_all_values(facets, counts, query), total)


#: Files per dataset, counted beside the facets to give the tags' counts.
_PER_DATASET = Facet("_per_dataset", "Files per dataset", "_per_dataset", "dataset_id")


def _tags_of(per_dataset: dict[int, int]) -> dict[str, int]:
    """Files per tag from files per dataset (a file has its dataset's tags)."""
    counts: dict[str, int] = defaultdict(int)
    links = Dataset.tags.through.objects.filter(dataset_id__in=list(per_dataset))
    for dataset_id, name in links.values_list("dataset_id", "tag__name").iterator(5000):
        counts[name] += per_dataset[dataset_id]
    return dict(counts)


def facets_from_counts(
    names: Iterable[str], counts: dict[str, dict[Any, int]], query: CompiledQuery, total: int
) -> FacetCounts:
    """Facets from counts made elsewhere (the tallies of :mod:`lims.search.tally`)."""
    facets = [FACETS[name] for name in dict.fromkeys(names) if name in FACETS]
    return FacetCounts(_all_values(facets, counts, query), total)


def _tag_counts(entries: QuerySet[SearchEntry]) -> dict[str, int]:
    """Files per tag of their dataset: on PostgreSQL the matching entries are counted per
    dataset first (one scan), and only those counts meet the tags."""
    if connection.vendor != "postgresql":
        rows = (
            entries.filter(dataset__tags__isnull=False)
            .values_list("dataset__tags__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "dataset__tags__name")[:TOP]
        )
        return dict(rows)
    inner_sql, params = entries.order_by().values("dataset_id").query.sql_with_params()
    sql = (
        "SELECT tag.name, SUM(per_dataset.n) AS n FROM ("
        f"SELECT hits.dataset_id, count(*) AS n FROM ({inner_sql}) AS hits "
        "GROUP BY hits.dataset_id) AS per_dataset "
        "JOIN datasets_dataset_tags AS link ON link.dataset_id = per_dataset.dataset_id "
        "JOIN datasets_tag AS tag ON tag.id = link.tag_id "
        f"GROUP BY tag.name ORDER BY n DESC, tag.name LIMIT {TOP}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {name: int(n) for name, n in cursor.fetchall()}


def _grouped(
    entries: QuerySet[SearchEntry], facets: list[Facet]
) -> tuple[dict[str, dict[Any, int]], int | None]:
    """Counts per value of each facet, and (on PostgreSQL) the grand total, in one scan."""
    if connection.vendor != "postgresql":
        return {
            facet.name: dict(
                entries.annotate(facet_value=_expression(facet))
                .values_list("facet_value")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for facet in facets
        }, None
    if not facets:
        return {}, entries.count()
    # One scan for all: GROUPING(f0, f1, …) has a bit set for each column not grouped by; the
    # empty grouping set is the grand total.
    columns = {f"f{i}": _expression(facet) for i, facet in enumerate(facets)}
    inner_sql, params = entries.order_by().values(**columns).query.sql_with_params()
    names = ", ".join(columns)
    sets = ", ".join(f"({name})" for name in columns)
    sql = (
        f"SELECT GROUPING({names}), {names}, count(*) FROM ({inner_sql}) AS hits "
        f"GROUP BY GROUPING SETS ({sets}, ())"
    )
    counts: dict[str, dict[Any, int]] = {facet.name: {} for facet in facets}
    last = len(facets) - 1
    everything = (1 << len(facets)) - 1
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, *row in cursor.fetchall():
            values, n = row[:-1], row[-1]
            if grouping == everything:
                total = n
                continue
            for i, facet in enumerate(facets):
                if not (grouping >> (last - i)) & 1:
                    counts[facet.name][values[i]] = n
                    break
    return counts, total


def _all_values(
    facets: list[Facet], counts: dict[str, dict[Any, int]], query: CompiledQuery
) -> dict[str, list[FacetValue]]:
    """Each facet's values shown, in order, labelled: the projects, datasets, instruments and
    uploaders among them are read in one query for all."""
    ordered = {facet.name: _ordered(facet, counts.get(facet.name, {})) for facet in facets}
    found = _related_rows(
        {name: [v for v, _ in values] for name, values in ordered.items() if name in _RELATED}
    )
    return {
        facet.name: _values(facet, ordered[facet.name], query, found.get(facet.name, {}))
        for facet in facets
    }


def _ordered(facet: Facet, counts: dict[Any, int]) -> list[tuple[Any, int]]:
    """The values a facet shows, with their counts: histograms whole by value, others the
    :data:`TOP` most frequent."""
    counts = {value: n for value, n in counts.items() if value not in (None, "")}
    if facet.histogram:
        return sorted(counts.items(), key=lambda item: item[0])
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:TOP]


def _values(
    facet: Facet,
    ordered: list[tuple[Any, int]],
    query: CompiledQuery,
    found: dict[Any, tuple[str, str]],
) -> list[FacetValue]:
    if facet.name in _RELATED:
        label_of, token_of = _by_id(facet, found)
    else:
        label_of, token_of = _LABELS.get(facet.name, _plain)(facet)
    selected = query.selected(facet.field)
    result = []
    for value, n in ordered:
        token = token_of(value)
        chosen = token.partition(":")[2].strip('"').lower() in selected
        result.append(FacetValue(value, label_of(value), n, token, chosen))
    return result


Labels = tuple[Callable[[Any], str], Callable[[Any], str]]
Labeller = Callable[[Facet], Labels]


def _plain(facet: Facet) -> Labels:
    spec_labels: dict[str, str] = {}
    if facet.name in ("technique", "kind", "imaging_mode"):
        spec_labels = dict(field_spec(facet.name).choices)
    if facet.name == "status":
        spec_labels = {str(v): str(label) for v, label in ExtractionStatus.choices}
    return (
        lambda value: spec_labels.get(value, str(value)),
        lambda value: f"{facet.field}:{quote(str(value))}",
    )


@dataclass(frozen=True)
class _Related:
    """A facet whose values are ids of ``model``: shown by ``label``, chosen by ``token``."""

    model: Any
    label: str
    token: str


_RELATED = {
    "project": _Related(Project, "name", "slug"),
    "dataset": _Related(Dataset, "title", "uid"),
    "instrument": _Related(Instrument, "name", "name"),
    "uploader": _Related(get_user_model(), "username", "username"),
}


def _related_rows(wanted: dict[str, list[Any]]) -> dict[str, dict[Any, tuple[str, str]]]:
    """The label and token of each id the facets show, by facet: one ``UNION ALL`` for all
    (a query per facet through the ORM cost more than counting the facets)."""
    quote_name = connection.ops.quote_name
    parts, params = [], []
    for name, ids in wanted.items():
        if not ids:
            continue
        related = _RELATED[name]
        meta = related.model._meta
        label, token = (meta.get_field(f).column for f in (related.label, related.token))
        pk = quote_name(meta.pk.column)
        parts.append(
            f"SELECT CAST(%s AS TEXT), {pk}, CAST({quote_name(label)} AS TEXT), "
            f"CAST({quote_name(token)} AS TEXT) FROM {quote_name(meta.db_table)} "
            f"WHERE {pk} IN ({', '.join(['%s'] * len(ids))})"
        )
        params += [name, *ids]
    found: dict[str, dict[Any, tuple[str, str]]] = defaultdict(dict)
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for name, pk, label, token in cursor.fetchall():
            related = _RELATED[name]
            value = related.model._meta.get_field(related.token).to_python(token)
            found[name][pk] = (label, str(value))
    return found


def _by_id(facet: Facet, found: dict[Any, tuple[str, str]]) -> Labels:
    return (
        lambda value: str(found.get(value, (value, value))[0]),
        lambda value: f"{facet.field}:{quote(str(found.get(value, (value, value))[1]))}",
    )


def _year(facet: Facet) -> Labels:
    return (str, lambda value: f"acquired:{value}")


def _month(facet: Facet) -> Labels:
    def text(value: Any) -> str:
        return f"{value // 100}-{value % 100:02d}"

    return (text, lambda value: f"acquired:{text(value)}")


def _kv(facet: Facet) -> Labels:
    return (lambda value: f"{value} kV", lambda value: f"kv:{value}")


def _decades(unit: str, scale: float, name: str, sign: str) -> Labeller:
    """Buckets of one decade: 10^d to 10^(d+1) of the stored unit, shown in ``unit``."""

    def number(value: float) -> str:
        if name == "mag" and value >= 1e6:
            return f"{value / 1e6:g}M"
        if name == "mag" and value >= 1e3:
            return f"{value / 1e3:g}k"
        return f"{value:g}"

    def labeller(facet: Facet) -> Labels:
        def bounds(decade: int) -> tuple[str, str]:
            return number(10.0**decade * scale), number(10.0 ** (decade + 1) * scale)

        return (
            lambda d: "{}\u2013{} {}".format(*bounds(d), sign).strip(),
            lambda d: f"{name}:{bounds(d)[0]}{unit}..<{bounds(d)[1]}{unit}",
        )

    return labeller


_LABELS: dict[str, Labeller] = {
    "year": _year,
    "month": _month,
    "beam_energy": _kv,
    "magnification": _decades("", 1.0, "mag", "\u00d7"),
    "pixel_size": _decades("nm", 1e9, "pixel", "nm"),
}


def facet_filter_names(names: str | None) -> list[str]:
    """The facets asked for (``?facets=a,b``), or the default ones."""
    if not names:
        return list(DEFAULT_FACETS)
    return [n.strip() for n in names.split(",") if n.strip() in FACETS]
