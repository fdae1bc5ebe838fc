"""Running searches (for the page, the API, exports and the benchmark) and keeping saved ones.

Two engines give the same answers. On PostgreSQL a search is counted, faceted and ordered by
the in-memory facet matrix (:mod:`lims.search.matrix`), which asks PostgreSQL only for what it
does not hold (words, vendor keys) and for the rows of the page; ``engine="sql"`` (and SQLite,
the embedded default) answers with SQL over ``SearchEntry.objects.visible_to(user)``. Either
way results, counts, facet values and exports never show what the permission seam hides.
"""

from __future__ import annotations

import contextlib
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lims.core.permissions import acting_user
from lims.search.compile import CompiledQuery, compile_query, rank
from lims.search.facets import FACETS, FacetValue, facet_counts, facets_from_counts
from lims.search.matrix import MatrixNotReady, matrix_ids, matrix_page
from lims.search.models import SavedSearch, SearchEntry, SearchKey, schema_columns
from lims.search.tally import tally_counts

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Column:
    """A column of the results table and of exports: its label, value and sort order."""

    key: str
    label: str
    path: str  # attribute of an entry (``project__name`` through a relation)
    unit: str = ""
    sortable: bool = True


COLUMNS: dict[str, Column] = {
    column.key: column
    for column in (
        Column("name", "Name", "name"),
        Column("project", "Project", "project__name"),
        Column("dataset", "Dataset", "dataset__title"),
        Column("acquired", "Acquired", "acquired_at"),
        Column("microscope", "Microscope", "microscope"),
        Column("technique", "Technique", "technique"),
        Column("kind", "Signal kind", "kind"),
        Column("beam_energy", "Beam energy", "beam_energy", "eV"),
        Column("magnification", "Magnification", "magnification"),
        Column("pixel_size", "Pixel size", "pixel_size", "m"),
        Column("exposure_time", "Exposure time", "exposure_time", "s"),
        Column("detector", "Detector", "detector"),
        Column("operator", "Operator", "operator"),
        Column("format", "Format", "format_label"),
        Column("size", "Size", "size", "B"),
        Column("status", "Status", "status"),
        Column("uploader", "Uploaded by", "uploaded_by__username"),
        Column("uploaded", "Uploaded", "uploaded_at"),
    )
}
DEFAULT_COLUMNS = (
    "name",
    "dataset",
    "project",
    "acquired",
    "microscope",
    "kind",
    "beam_energy",
    "magnification",
    "pixel_size",
)
#: Everything an export writes, in order.
EXPORT_COLUMNS = tuple(COLUMNS)


def sort_order(key: str) -> list[Any]:
    """The ordering of a sort key (``-`` for descending), NULLs last, the file id breaking ties."""
    descending = key.startswith("-")
    column = COLUMNS.get(key.lstrip("-"))
    if column is None:
        column, descending = COLUMNS["acquired"], True
    expression = F(column.path)
    ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return [ordered, F("file_id").desc() if descending else F("file_id").asc()]


def sort_key(key: str | None, query: CompiledQuery) -> str:
    """The sort that applies: a known column (``-`` for descending), else relevance when the
    query has words (on PostgreSQL), else the newest acquisitions first."""
    key = (key or "").strip()
    if key.lstrip("-") in COLUMNS:
        return key
    if key == "relevance" or (not key and query.words and connection.vendor == "postgresql"):
        return "relevance" if query.words and connection.vendor == "postgresql" else "-acquired"
    return "-acquired"


@dataclass(frozen=True)
class Related:
    """What a result shows of its project (``slug``, ``name``), dataset (``uid``, ``title``) or
    uploader (``username``)."""

    slug: str = ""
    name: str = ""
    uid: Any = None
    title: str = ""
    username: str = ""


class SearchHit:
    """One result as the pages and the API show it: the entry's columns as attributes (the
    schema's too), ``project``, ``dataset`` and ``uploaded_by`` as :class:`Related`. Read as
    tuples: building 50 model instances with their related rows cost more than the search."""

    file_id: int
    uid: Any
    name: str
    thumbnail: str
    status: str
    format_label: str
    size: int
    uploaded_at: Any
    acquired_at: Any
    project: Related
    dataset: Related
    uploaded_by: Related

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


#: The entry's own columns a result shows, then those of its relations.
HIT_COLUMNS = (
    "file_id",
    "uid",
    "name",
    "thumbnail",
    "status",
    "format_label",
    "size",
    "uploaded_at",
    "acquired_at",
    *(spec.key for spec in schema_columns()),
)
HIT_RELATED = (
    ("project", "slug"),
    ("project", "name"),
    ("dataset", "uid"),
    ("dataset", "title"),
    ("uploaded_by", "username"),
)


@dataclass
class SearchResult:
    """One page of a search, its exact count and its facets."""

    query: CompiledQuery
    count: int
    entries: list[SearchHit]
    page: int
    page_size: int
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    engine: str = "sql"  # which engine answered ("matrix" or "sql")

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))


def search_entries(*, user: Any, query: CompiledQuery) -> QuerySet[SearchEntry]:
    """The entries ``user`` may see that match ``query`` (unordered)."""
    return SearchEntry.objects.visible_to(user).filter(query.filter())


def ordered(
    entries: QuerySet[SearchEntry], query: CompiledQuery, sort: str
) -> QuerySet[SearchEntry]:
    """``entries`` in the order of ``sort`` (see :func:`sort_key`)."""
    if sort == "relevance":
        return entries.annotate(relevance=rank(query.words)).order_by(
            "-relevance", F("acquired_at").desc(nulls_last=True), "file_id"
        )
    return entries.order_by(*sort_order(sort))


def search_engine(engine: str | None = None) -> str:
    """The engine a search runs on: ``matrix`` on PostgreSQL (unless ``LIMS_SEARCH_MATRIX`` is
    off), else ``sql``; an engine asked for by name is used as it is."""
    if engine in ("matrix", "sql"):
        return engine
    if connection.vendor == "postgresql" and settings.LIMS_SEARCH_MATRIX:
        return "matrix"
    return "sql"


def search_run(
    *,
    user: Any,
    text: str | None,
    sort: str | None = None,
    page: int = 1,
    page_size: int = 50,
    facets: Sequence[str] = (),
    engine: str | None = None,
) -> SearchResult:
    """Search as ``user``: one page of results, the exact count and the facets asked for.

    An out-of-range page gives the last one. Problems in the query are in
    ``result.query.problems``; the rest of the query still applies."""
    with transaction.atomic(savepoint=False):
        _without_jit()
        if search_engine(engine) == "matrix":
            try:
                return _matrix_search(
                    user, text, sort, page, page_size, facets, wait=engine == "matrix"
                )
            except MatrixNotReady:  # loading in the background: SQL gives the same answer
                pass
        return _search(user, text, sort, page, page_size, facets)


def _matrix_search(
    user: Any,
    text: str | None,
    sort: str | None,
    page: int,
    page_size: int,
    facets: Sequence[str],
    *,
    wait: bool,
) -> SearchResult:
    query = compile_query(text)
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    names = [name for name in dict.fromkeys(facets) if name in FACETS]
    key = sort_key(sort, query)
    found = matrix_page(
        user=user,
        query=query,
        sort=_matrix_sort(key),
        page=page,
        page_size=page_size,
        facets=names,
        wait=wait,
    )
    counted = facets_from_counts(names, found.counts, query, found.count) if names else None
    return SearchResult(
        query=query,
        count=found.count,
        entries=_rows(found.file_ids),
        page=found.page,
        page_size=page_size,
        sort=key,
        facets=counted.values if counted else {},
        engine="matrix",
    )


def _matrix_sort(key: str) -> str:
    """A sort key as the matrix reads it: ``relevance``, or the column's path (``-`` first
    when descending)."""
    if key == "relevance":
        return key
    return ("-" if key.startswith("-") else "") + COLUMNS[key.lstrip("-")].path


def _without_jit() -> None:
    """PostgreSQL's JIT compiles each big statement (about 0.1 s here) to save less than that
    on queries this short: off for the search's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _search(
    user: Any, text: str | None, sort: str | None, page: int, page_size: int, facets: Sequence[str]
) -> SearchResult:
    query = compile_query(text)
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    visible = SearchEntry.objects.visible_to(user)
    matching = visible.filter(query.filter())
    counted = None
    if facets and not query.conditions:  # everything the user sees: the tallies have it
        counts, total = tally_counts(user=user, facets=[FACETS[n] for n in facets if n in FACETS])
        counted = facets_from_counts(facets, counts, query, total)
    elif facets:
        counted = facet_counts(visible, query, facets)
    count = counted.total if counted and counted.total is not None else matching.count()
    pages = max(1, math.ceil(count / page_size))
    page = max(1, min(int(page), pages))
    key = sort_key(sort, query)
    rows = _page(ordered(matching, query, key), (page - 1) * page_size, page_size)
    return SearchResult(
        query=query,
        count=count,
        entries=rows,
        page=page,
        page_size=page_size,
        sort=key,
        facets=counted.values if counted else {},
    )


def _page(entries: QuerySet[SearchEntry], offset: int, size: int) -> list[SearchHit]:
    """One page of ordered entries: their ids first (a narrow read the order's index can answer,
    however deep the page), then those rows with what the page shows."""
    return _rows(list(entries.values_list("file_id", flat=True)[offset : offset + size]))


def _rows(ids: list[int]) -> list[SearchHit]:
    """The entries of these file ids, in this order, with what a page shows."""
    paths = [*HIT_COLUMNS, *(f"{relation}__{name}" for relation, name in HIT_RELATED)]
    found = {}
    own = len(HIT_COLUMNS)
    for row in SearchEntry.objects.filter(file_id__in=ids).values_list(*paths):
        values = dict(zip(HIT_COLUMNS, row[:own], strict=True))
        related: dict[str, dict[str, Any]] = defaultdict(dict)
        for (relation, name), value in zip(HIT_RELATED, row[own:], strict=True):
            related[relation][name] = value
        values.update((relation, Related(**fields)) for relation, fields in related.items())
        found[row[0]] = SearchHit(values)
    return [found[file_id] for file_id in ids if file_id in found]


#: Rows an export reads at a time (the matrix's exports: five times as many, by id).
EXPORT_CHUNK = 2000


def export_rows(
    *, user: Any, text: str | None, sort: str | None = None, engine: str | None = None
) -> Iterator[Sequence[Any]]:
    """Every matching entry as a row of :data:`EXPORT_COLUMNS` values (plus the file's uid),
    read in chunks (from a server-side cursor, or by the matrix's ordered ids): the rows are
    never all in memory, however many."""
    query = compile_query(text)
    order = sort_key(sort, query)
    paths = ["uid", *(COLUMNS[key].path for key in EXPORT_COLUMNS)]
    ids = None
    if search_engine(engine) == "matrix":
        with transaction.atomic(savepoint=False):
            _without_jit()
            # While the matrix loads in the background, SQL gives the same rows.
            with contextlib.suppress(MatrixNotReady):
                ids = matrix_ids(
                    user=user, query=query, sort=_matrix_sort(order), wait=engine == "matrix"
                )
    if ids is None:
        entries = ordered(search_entries(user=user, query=query), query, order)
        yield from entries.values_list(*paths).iterator(chunk_size=EXPORT_CHUNK)
        return
    for start in range(0, len(ids), EXPORT_CHUNK * 5):
        chunk = ids[start : start + EXPORT_CHUNK * 5].tolist()
        # One array parameter (not 10,000): the ORM prepares each value of an ``__in`` list.
        by_ids = RawSQL("search_entry.file_id = ANY(%s)", (chunk,), output_field=BooleanField())
        rows = SearchEntry.objects.filter(by_ids).values_list("file_id", *paths)
        by_id = {row[0]: row[1:] for row in rows}
        yield from (by_id[file_id] for file_id in chunk if file_id in by_id)


def export_header() -> list[str]:
    """The header of an export: the file's uid, then each column (its unit in brackets)."""
    return ["uid"] + [
        f"{key} [{COLUMNS[key].unit}]" if COLUMNS[key].unit else key for key in EXPORT_COLUMNS
    ]


def vendor_keys(*, user: Any, prefix: str, limit: int = 20) -> list[tuple[str, str]]:
    """Vendor keys containing ``prefix`` (case-insensitive) in datasets ``user`` sees, with
    their value types, those starting with it first."""
    prefix = prefix.strip()[:100]
    if not prefix:
        return []
    rows = (
        SearchKey.objects.visible_to(user)
        .filter(key__icontains=prefix)
        .values_list("key", "value_type")
        .distinct()
        .order_by("key", "value_type")[:500]
    )
    found = list(rows)
    found.sort(key=lambda row: (not row[0].lower().startswith(prefix.lower()), row[0]))
    return found[:limit]


# --- Saved searches ----------------------------------------------------------------------------


def _owner(user: Any) -> Any:
    owner = acting_user(user)
    if owner is None:
        raise PermissionDenied("Sign in to keep searches.")
    return owner


def saved_search_create(*, user: Any, name: str, query: str) -> SavedSearch:
    """Keep ``query`` under ``name`` for ``user`` (a signed-in user); the same name again
    replaces the query. Files found from now on count as new."""
    owner = _owner(user)
    name = name.strip()[:200]
    if not name:
        raise ValidationError("Give the search a name.")
    saved, _ = SavedSearch.objects.update_or_create(
        owner=owner,
        name=name,
        defaults={"query": query.strip()[:1000], "last_looked_at": timezone.now()},
    )
    return saved


def saved_search_look(*, user: Any, saved: SavedSearch) -> SavedSearch:
    """Record that the owner looked at the results now (nothing is new any more)."""
    if not saved.owned_by(user):
        raise PermissionDenied("This is someone else's saved search.")
    saved.last_looked_at = timezone.now()
    saved.save(update_fields=["last_looked_at"])
    return saved


def saved_search_delete(*, user: Any, saved: SavedSearch) -> None:
    """Forget a saved search (its owner only)."""
    if not saved.owned_by(user):
        raise PermissionDenied("This is someone else's saved search.")
    saved.delete()


def saved_search_news(*, user: Any, saved: SavedSearch) -> int:
    """How many files ``user`` may see match the saved query and were first indexed since
    its owner last looked."""
    query = compile_query(saved.query)
    return (
        search_entries(user=user, query=query)
        .filter(first_indexed_at__gt=saved.last_looked_at)
        .count()
    )
