"""The facet matrix: the search index held in memory as columns (PostgreSQL only), so that a
search over a million files counts its matches and its facets in milliseconds.

Why: counting 14 facets over a million rows is 14 hash aggregates over a 1.5 GB table in
PostgreSQL, seconds on two cores whatever the SQL. The same counts are 14 ``np.bincount`` over
arrays of small integer codes: a few milliseconds. So each process keeps every entry's
``file_id`` (sorted), ``live``, and a dense integer code per row (of the narrowest type its
vocabulary fits) for the relations (dataset,
project, instrument, uploader), for every text column of the index that facets and field
filters read (the schema's microscope, technique, kind…, ``status``, ``format_label`` and the
``tags`` string), and for the histogram buckets, each with its vocabulary; ``acquired_at`` as
float microseconds. Other numbers (beam energy, magnification…: there are many) are loaded the
first time a range filter or a sort needs them, and kept.

A query is the compiled query of :mod:`lims.search.compile`, nothing else: each condition that
carries a :class:`~lims.search.compile.Test` is a boolean mask computed here (a text lookup is
evaluated once over the column's vocabulary, then ``lut[codes]``; a relation asks PostgreSQL
for the few related ids), every other condition (words, vendor keys, notes, file names) is asked
of PostgreSQL as the set of file ids it matches, turned into a mask. Who sees what comes from the
permission seam (:func:`~lims.core.permissions.search_entry_datasets`) as a lookup table over
dataset codes. Facets count over the rows matching every group of conditions but their own
field's, as :func:`lims.search.facets.facet_counts` does, and are labelled by the same code.

Freshness: triggers on ``search_entry`` write a change log (migration ``0007``) stamped with the
writing transaction's id. Before every search the matrix asks, in the statement that also reads
PostgreSQL's current snapshot, for the rows of the transactions its previous snapshot had not
seen ended (those then running, and those from its ``xmax`` on: none that commits later is
missed, none already read is read twice) and re-reads those entries: one indexed query when
nothing changed. A TRUNCATE hides every row (what comes back is logged); more than
:data:`RELOAD_AFTER` changes, or a process idle longer than half the log's retention, reload.
Rows written by the searching transaction itself are applied too (a test, or a request that
writes then searches, sees its own rows) and read again once that transaction has ended, so a
rollback never lingers. Memory: about 110 MB per million entries, plus 8 MB per number column
loaded and per sort kept.
"""

from __future__ import annotations

import bisect
import ctypes
import gc
import logging
import math
import re
import threading
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.apps import apps
from django.conf import settings
from django.db import connection

from extraction.schema import FieldKind
from lims.core.permissions import search_access_key, search_entry_datasets
from lims.search.compile import CompiledQuery, Condition, Test, rank
from lims.search.facets import FACETS
from lims.search.language import Word
from lims.search.models import SearchEntry, schema_columns

logger = logging.getLogger(__name__)

#: The integer columns read as codes (the relations and the histogram buckets).
INTEGER_CODED = (
    "dataset_id",
    "project_id",
    "instrument_id",
    "uploaded_by_id",
    "acquired_month",
    "beam_kv",
    "magnification_decade",
    "pixel_size_decade",
)
#: The text columns read as codes: few distinct values, filtered and counted.
TEXT_CODED = (
    "status",
    "format_label",
    "tags",
    *(spec.key for spec in schema_columns() if spec.kind is not FieldKind.QUANTITY),
)
#: Number columns that can be loaded (the schema's quantities, the size, the dates).
NUMBER_COLUMNS = (
    "acquired_at",
    "uploaded_at",
    "size",
    *(spec.key for spec in schema_columns() if spec.kind is FieldKind.QUANTITY),
)
_DATES = ("acquired_at", "uploaded_at")
#: Facets counted on another column than their own (years from months, tags from datasets).
_FACET_COLUMN = {"year": "acquired_month", "tag": "dataset_id"}
#: Answers of PostgreSQL kept per process (words, vendor keys…), and their ids in all.
ANSWERS_KEPT = 64
ANSWER_IDS_KEPT = 4_000_000
#: The most changed entries an answer waits with before it is dropped instead.
ANSWER_PENDING = 20_000
#: The most combinations of values one pack of facet columns counts at once.
PACK_BINS = 1 << 18
#: The masks of a query's conditions: per group (OR inside), each with its field's name.
Groups = dict[str, list[tuple[str, np.ndarray]]]
_NULL = -(2**63)
#: More changed entries than this since the last look: reload everything instead.
RELOAD_AFTER = 50_000
#: Sorts kept up to date row by row when at most this many rows changed (else sorted again).
MERGE_LIMIT = 2_000
#: People whose datasets are kept per process (the least recently searching forgotten first).
ACCESS_KEPT = 256


def _code_type(size: int) -> type[np.signedinteger[Any]]:
    """The narrowest integer type for the codes of a vocabulary of ``size`` values: most columns
    have a few dozen, and int32 codes were three quarters of the matrix's memory."""
    if size - 1 <= np.iinfo(np.int8).max:
        return np.int8
    if size - 1 <= np.iinfo(np.int16).max:
        return np.int16
    return np.int32


def _integer_sql(column: str) -> str:
    if column == "live":
        return "live::int::int8"
    if column == "acquired_at":
        return f"coalesce((extract(epoch FROM acquired_at) * 1000000)::int8, {_NULL})"
    return f"coalesce({column}::int8, {_NULL})"


def _number_sql(column: str) -> str:
    if column in _DATES:
        return f"coalesce((extract(epoch FROM {column}) * 1000000)::float8, 'NaN')"
    return f"coalesce({column}::float8, 'NaN')"


_INTEGERS = ("file_id", "live", "acquired_at", *INTEGER_CODED)
_TEXT_ESCAPE = re.compile(r"\\(.)")
_UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _unescape(value: str) -> str | None:
    """A field of PostgreSQL's text COPY format as its value (``\\N`` is NULL)."""
    if value == "\\N":
        return None
    if "\\" not in value:
        return value
    return _TEXT_ESCAPE.sub(lambda m: _UNESCAPE.get(m.group(1), m.group(1)), value)


class _BinaryRows:
    """A file object for ``COPY … TO STDOUT (FORMAT binary)`` of non-null fixed-width columns,
    parsed into numpy arrays a few megabytes at a time (psycopg2 writes one row per call; the
    whole COPY is never in memory at once)."""

    def __init__(self, dtypes: Sequence[str]) -> None:
        fields: list[tuple[str, str]] = [("n", ">i2")]
        for i, dtype in enumerate(dtypes):
            fields += [(f"l{i}", ">i4"), (f"v{i}", dtype)]
        self.dtype = np.dtype(fields)
        self.count = len(dtypes)
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.header = True
        self.parts: list[list[np.ndarray]] = [[] for _ in dtypes]

    def write(self, data: bytes) -> int:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered >= 1 << 22:
            self._parse()
        return len(data)

    def _parse(self, final: bool = False) -> None:
        data = b"".join(self.chunks)
        if self.header:
            if len(data) < 19:
                self.chunks, self.buffered = [data], len(data)
                return
            extension = int.from_bytes(data[15:19], "big")
            data = data[19 + extension :]
            self.header = False
        whole = len(data) // self.dtype.itemsize
        size = whole * self.dtype.itemsize
        if whole:
            rows = np.frombuffer(data, self.dtype, count=whole)
            for i in range(self.count):
                values = rows[f"v{i}"]
                self.parts[i].append(values.astype(values.dtype.newbyteorder("=")))
        rest = data[size:]
        self.chunks, self.buffered = [rest], len(rest)

    def columns(self) -> list[np.ndarray]:
        self._parse(final=True)  # what is left is the two-byte trailer
        return [
            np.concatenate(part) if part else np.empty(0, self.dtype[f"v{i}"].newbyteorder("="))
            for i, part in enumerate(self.parts)
        ]


class _TextRows:
    """A file object for a text ``COPY`` of ``file_id`` and text columns: the ids, and each
    column as codes of a vocabulary built on the way (a few megabytes parsed at a time)."""

    def __init__(self, columns: int) -> None:
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.ids = array("q")
        self.codes = [array("i") for _ in range(columns)]
        self.index: list[dict[str | None, int]] = [{} for _ in range(columns)]

    def write(self, data: bytes) -> int:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered >= 1 << 22:
            self.flush()
        return len(data)

    def flush(self) -> None:
        data = b"".join(self.chunks)
        cut = data.rfind(b"\n") + 1  # whole lines now, the rest with the next chunks
        self.chunks, self.buffered = [data[cut:]], len(data) - cut
        ids, codes, index = self.ids, self.codes, self.index
        lines = data[:cut].decode().split("\n")
        lines.pop()  # after the last newline
        ids.extend(int(line.partition("\t")[0]) for line in lines)
        columns = zip(*(line.split("\t")[1:] for line in lines), strict=True)
        for j, values in enumerate(columns):
            known = index[j]
            for value in set(values) - known.keys():
                known[value] = len(known)
            codes[j].extend(map(known.__getitem__, values))


def _copy(sql: str, sink: Any, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        if params:
            sql = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(sql, sink, 1 << 20)


@dataclass(frozen=True)
class Snapshot:
    """What a transaction saw of the others: every one below ``xmax`` but the ``running``
    ones had ended (PostgreSQL's ``pg_current_snapshot()``)."""

    xmax: int
    running: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        _, xmax, running = text.split(":")
        return cls(int(xmax), tuple(int(x) for x in running.split(",") if x))


def _ids_and_ranks(sql: str, params: Sequence[Any], ranked: bool) -> tuple[np.ndarray, np.ndarray]:
    """The sorted file ids a query returns (first column), and their ranks (second)."""
    rows = _BinaryRows([">i8", ">f4"] if ranked else [">i8"])
    _copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", rows, params)
    columns = rows.columns()
    order = np.argsort(columns[0], kind="stable")
    ids = columns[0][order]
    return ids, (columns[1][order].astype(np.float64) if ranked else np.empty(0))


@dataclass
class Answer:
    """What PostgreSQL answered for one condition (words, a vendor key…): the file ids it
    matches (sorted) and, for words sorted by relevance, their ranks. Entries that changed
    since are ``pending``: they are asked again, alone, the next time the answer is used."""

    sql: str
    params: Sequence[Any]
    ranked: bool
    file_ids: np.ndarray
    ranks: np.ndarray
    pending: set[int] = field(default_factory=set)
    #: The matrix's row of each of ``file_ids`` (-1: none), for the layout they were found in
    #: (rows added at the end move none: an id the matrix reads later is pending then).
    rows: np.ndarray | None = None
    layout: int = -1

    def patch(self, matrix_ids: np.ndarray) -> None:
        """Ask again about the pending entries, and put what they answer in its place (a few
        insertions: sorting or mapping a hundred thousand ids again at every write cost ten
        milliseconds a search while ingest writes)."""
        changed = np.array(sorted(self.pending), np.int64)
        self.pending = set()
        again_ids, again_ranks = _ids_and_ranks(
            f"SELECT * FROM ({self.sql}) AS answer WHERE file_id = ANY(%s)",
            [*self.params, changed.tolist()],
            self.ranked,
        )
        keep = ~np.isin(self.file_ids, changed)
        kept = self.file_ids[keep]
        places = np.searchsorted(kept, again_ids)
        self.file_ids = np.insert(kept, places, again_ids)
        if self.ranked:
            self.ranks = np.insert(self.ranks[keep], places, again_ranks)
        if self.rows is not None:
            self.rows = np.insert(self.rows[keep], places, _rows_of(matrix_ids, again_ids))


def _rows_of(matrix_ids: np.ndarray, file_ids: np.ndarray) -> np.ndarray:
    """The row of each of these sorted file ids among the matrix's sorted ids (-1: none)."""
    at = np.searchsorted(matrix_ids, file_ids)
    found = np.zeros(len(at), bool)
    inside = at < len(matrix_ids)
    found[inside] = matrix_ids[at[inside]] == file_ids[inside]
    return np.where(found, at, -1)


@dataclass
class Access:
    """The datasets one person sees, as the permission seam answered (None: every one), and
    their lookup table over the dataset codes of the vocabulary as long as it was then."""

    dataset_ids: list[int] | None
    lut: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


@dataclass
class Pack:
    """Facet columns combined into one code per row (see :meth:`Matrix._packs`)."""

    columns: tuple[str, ...]
    radices: tuple[int, ...]
    size: int
    codes: np.ndarray


def _size(columns: list[tuple[str, int]]) -> int:
    return int(np.prod([radix for _, radix in columns]))


@dataclass
class Page:
    """What the matrix answers for a search: the exact count, the raw facet counts and one
    page of file ids in order."""

    count: int
    page: int
    file_ids: list[int]
    counts: dict[str, dict[Any, int]]


class Matrix:
    """The columns of every entry of one database (see the module docstring)."""

    def __init__(self) -> None:
        self.database = connection.settings_dict["NAME"]
        self.n = 0
        self.ids = np.empty(0, np.int64)
        self.live = np.empty(0, bool)
        self.codes: dict[str, np.ndarray] = {}
        self.vocab: dict[str, list[Any]] = {}
        self.index: dict[str, dict[Any, int]] = {}
        self.numbers: dict[str, np.ndarray] = {}
        self.orders: dict[str, np.ndarray] = {}
        self.sort_keys: set[str] = set()
        self.tags: dict[int, list[str]] = {}
        self.seen = Snapshot(0, ())
        self.checked_at = 0.0
        self.own_xid: str | None = None
        self.own_ids: set[int] = set()
        self.own_seen = 0
        self.packs: list[Pack] | None = None
        self.layout = 0  # changes when rows move (an id inserted among others)
        self.tag_links: tuple[np.ndarray, np.ndarray, int, list[str]] | None = None
        self.live_totals: list[np.ndarray] | None = None
        self.answers: dict[tuple[str, tuple[str, ...]], Answer] = {}
        self.access: dict[tuple[Any, ...], Access] = {}
        self.own_access = False  # this transaction changed who sees what: keep no access
        self.loaded_seconds = 0.0
        self.loads = 0

    # --- Loading and freshness ---------------------------------------------------------------

    def load(self) -> None:
        """Read every entry (two COPYs of one table scan each) and the tags of datasets."""
        started = time.perf_counter()
        seen = self._snapshot()
        integers = _BinaryRows([">i8"] * len(_INTEGERS))
        _copy(
            "COPY (SELECT {} FROM search_entry) TO STDOUT (FORMAT binary)".format(
                ", ".join(_integer_sql(c) for c in _INTEGERS)
            ),
            integers,
        )
        texts = _TextRows(len(TEXT_CODED))
        _copy(f"COPY (SELECT file_id, {', '.join(TEXT_CODED)} FROM search_entry) TO STDOUT", texts)
        texts.flush()
        number_columns = dict(zip(_INTEGERS, integers.columns(), strict=True))
        ids = number_columns["file_id"]
        text_ids = np.frombuffer(texts.ids, np.int64) if texts.ids else np.empty(0, np.int64)
        # Both scans usually see the same rows; a row written between them is in the change
        # log (by a transaction the snapshot taken first had not seen ended) and is read again
        # by the catch-up below.
        _, by_integers, by_texts = np.intersect1d(
            ids, text_ids, assume_unique=True, return_indices=True
        )
        self.ids = ids[by_integers]
        self.n = len(self.ids)
        self.live = number_columns["live"][by_integers] == 1
        acquired = number_columns["acquired_at"][by_integers].astype(np.float64)
        acquired[number_columns["acquired_at"][by_integers] == _NULL] = np.nan
        self.numbers = {"acquired_at": acquired}
        self.codes, self.vocab, self.index = {}, {}, {}
        for column in INTEGER_CODED:
            values, codes = np.unique(number_columns[column][by_integers], return_inverse=True)
            vocab = [None if v == _NULL else int(v) for v in values.tolist()]
            self._set_coded(column, codes, vocab)
        for j, column in enumerate(TEXT_CODED):
            codes = (
                np.frombuffer(texts.codes[j], np.int32)[by_texts]
                if self.n
                else np.empty(0, np.int32)
            )
            vocab = [_unescape(v) for v in texts.index[j]]  # type: ignore[arg-type]
            self._set_coded(column, codes, vocab)
        self.orders, self.sort_keys, self.packs, self.live_totals = {}, set(), None, None
        self._grow(1)  # room for the files of the next hours: no search pays for a copy
        self.answers = {}
        self.access, self.own_access = {}, False
        self._load_tags()
        self.seen = seen
        self.own_xid, self.own_ids, self.own_seen = None, set(), 0
        self.checked_at = time.monotonic()
        self.loads += 1
        self._catch_up(limit=None)
        self.loaded_seconds = time.perf_counter() - started

    def _set_coded(self, column: str, codes: np.ndarray, vocab: list[Any]) -> None:
        index: dict[Any, int] = {}
        for code, value in enumerate(vocab):
            index.setdefault(value, code)
        self.codes[column] = codes.astype(_code_type(len(vocab)), copy=False)
        self.vocab[column], self.index[column] = vocab, index

    def _snapshot(self) -> Snapshot:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            return Snapshot.parse(cursor.fetchone()[0])

    def _load_tags(self) -> None:
        self.tag_links = None
        tags: dict[int, list[str]] = defaultdict(list)
        links = apps.get_model("datasets", "Dataset").tags.through.objects
        for dataset_id, name in links.values_list("dataset_id", "tag__name").order_by():
            tags[dataset_id].append(name)
        self.tags = dict(tags)

    def refresh(self, *, reload: bool = True) -> bool:
        """Apply what changed since the last look (see the module docstring). When catching up
        costs more than loading again: load again, or (``reload`` false) return False and
        leave the matrix stale."""
        idle = time.monotonic() - self.checked_at
        if idle > settings.LIMS_SEARCH_CHANGES_KEEP_S / 2 or not self._catch_up(RELOAD_AFTER):
            if not reload:
                return False
            self.load()
        return True

    def _catch_up(self, limit: int | None) -> bool:
        """Read again the entries written by the transactions this matrix has not seen: those
        that were running at the last look or started since (and this one's own new rows).
        False when there are more than ``limit`` (a reload is cheaper)."""
        # One branch per kind of transaction, each an index scan of ``xid`` whatever the
        # statistics say: as one OR, ordered by id, the planner walked the primary key through
        # every row of the log (120 ms a search after a million-file load, before ANALYZE).
        horizon, running = str(self.seen.xmax), list(map(str, self.seen.running))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text, "
                "c.id, c.xid::text, c.kind, c.file_id FROM (SELECT 1) AS one "
                "LEFT JOIN LATERAL ("
                "(SELECT id, xid, kind, file_id FROM search_change "
                "WHERE xid >= %(horizon)s::text::xid8 ORDER BY xid LIMIT %(limit)s) UNION ALL "
                "(SELECT id, xid, kind, file_id FROM search_change "
                "WHERE xid = ANY(%(running)s::text[]::xid8[]) LIMIT %(limit)s) UNION ALL "
                "(SELECT id, xid, kind, file_id FROM search_change "
                "WHERE xid = pg_current_xact_id_if_assigned() AND xid < %(horizon)s::text::xid8 "
                "AND xid <> ALL(%(running)s::text[]::xid8[]) LIMIT %(limit)s)"
                ") AS c ON true",
                {
                    "horizon": horizon,
                    "running": running,
                    "limit": None if limit is None else limit + 1,
                },
            )
            rows = cursor.fetchall()
        snapshot, own = Snapshot.parse(rows[0][0]), rows[0][1]
        changes = [
            (xid, kind, file_id)
            for _, _, change, xid, kind, file_id in rows
            if change is not None and not (xid == own and change <= self.own_seen)
        ]
        if limit is not None and len(rows) > limit:
            return False
        changed = {file_id for xid, kind, file_id in changes if kind == "e"}
        if self.own_xid is not None and self.own_xid != own:
            changed |= self.own_ids  # that transaction ended: read its rows as they are now
            self.own_xid, self.own_ids, self.own_seen = None, set(), 0
            if self.own_access:  # committed or rolled back, what it changed is known now
                self.access, self.own_access = {}, False
        if any(kind == "p" for _, kind, _ in changes):
            self.access = {}
            # Its own change may be undone by a savepoint's rollback, which logs nothing.
            self.own_access |= any(xid == own and kind == "p" for xid, kind, _ in changes)
        if own is not None:
            mine = {file_id for xid, kind, file_id in changes if xid == own and kind == "e"}
            changed |= self.own_ids  # a savepoint of it may have been rolled back since
            self.own_xid, self.own_ids = own, self.own_ids | mine
            self.own_seen = max([self.own_seen, *(r[2] for r in rows if r[3] == own)])
        if any(kind == "a" for _, kind, _ in changes):  # emptied: what is back is logged
            self.live[: self.n] = False
            self.live_totals = None
            self.orders, self.sort_keys = {}, set()
        if any(kind == "t" for _, kind, _ in changes):
            self._load_tags()
        if changed:
            self._reread(sorted(changed))
        self.seen = snapshot
        self.checked_at = time.monotonic()
        return True

    def _reread(self, file_ids: list[int]) -> None:
        """Read these entries again: update, add, or (gone) hide them; the answers kept will
        ask about them again."""
        for key, answer in list(self.answers.items()):
            answer.pending.update(file_ids)
            if len(answer.pending) > ANSWER_PENDING:
                del self.answers[key]
        numbers = [c for c in self.numbers if c != "acquired_at"]
        select = [_integer_sql(c) for c in _INTEGERS] + list(TEXT_CODED)
        select += [_number_sql(c) for c in numbers]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(select)} FROM search_entry WHERE file_id = ANY(%s) "
                "ORDER BY file_id",
                [file_ids],
            )
            rows = cursor.fetchall()
        wanted = np.array(file_ids, np.int64)
        found = np.array([row[0] for row in rows], np.int64)
        gone = np.setdiff1d(wanted, found)
        positions = np.searchsorted(self.ids[: self.n], gone)
        inside = positions < self.n
        positions = positions[inside][self.ids[positions[inside]] == gone[inside]]
        at = np.searchsorted(self.ids[: self.n], found)
        present = np.zeros(len(found), bool)
        if self.n:
            present = (at < self.n) & (self.ids[np.minimum(at, self.n - 1)] == found)
        self._tally(np.concatenate([positions, at[present]]), -1)
        self.live[positions] = False
        if not rows:
            self._forget_sorts(positions)
            return
        if (~present).any() and self.n and found[~present].min() < self.ids[self.n - 1]:
            self._insert_sorted(found[~present])  # an id below the last: make room in order
            at = np.searchsorted(self.ids[: self.n], found)
            present = np.ones(len(found), bool)
        new = int((~present).sum())
        if new:
            self._grow(new)
            at[~present] = np.arange(self.n, self.n + new)
            self.ids[self.n : self.n + new] = found[~present]
            self.n += new
        self._write_rows(at, rows, numbers)
        self._tally(at, +1)
        self._forget_sorts(np.concatenate([positions, at]))

    def _write_rows(self, at: np.ndarray, rows: list[tuple[Any, ...]], numbers: list[str]) -> None:
        count = len(_INTEGERS)
        columns = list(zip(*rows, strict=True))
        self.live[at] = np.array(columns[1], np.int64) == 1
        acquired = np.array(columns[2], np.float64)
        acquired[np.array(columns[2], np.int64) == _NULL] = np.nan
        self.numbers["acquired_at"][at] = acquired
        for i, column in enumerate(INTEGER_CODED, start=3):
            values = [None if v == _NULL else v for v in columns[i]]
            self._put_codes(column, at, values)
        for j, column in enumerate(TEXT_CODED, start=count):
            self._put_codes(column, at, columns[j])
        for k, column in enumerate(numbers, start=count + len(TEXT_CODED)):
            self.numbers[column][at] = np.array(columns[k], np.float64)
        for pack in self.packs or ():
            if any(len(self.vocab[c]) > r for c, r in zip(pack.columns, pack.radices, strict=True)):
                self.packs = None  # a vocabulary outgrew its room: packed again when needed
                break
            combined = np.zeros(len(at), pack.codes.dtype)
            for column, radix in zip(pack.columns, pack.radices, strict=True):
                combined = combined * radix + self.codes[column][at]
            pack.codes[at] = combined

    def _put_codes(self, column: str, at: np.ndarray, values: Iterable[Any]) -> None:
        """Write the codes of ``values`` at rows ``at``, widening the column's type when its
        vocabulary has outgrown it (one copy of one column)."""
        codes = self._codes_of(column, values)
        wanted = _code_type(len(self.vocab[column]))
        if np.dtype(wanted).itemsize > self.codes[column].dtype.itemsize:
            self.codes[column] = self.codes[column].astype(wanted)
        self.codes[column][at] = codes

    def _codes_of(self, column: str, values: Iterable[Any]) -> np.ndarray:
        index, vocab = self.index[column], self.vocab[column]
        codes = []
        for value in values:
            code = index.get(value)
            if code is None:
                code = index[value] = len(vocab)
                vocab.append(value)
            codes.append(code)
        return np.array(codes, np.int32)

    def _grow(self, more: int) -> None:
        """Room for ``more`` rows at the end, and an eighth more: every column is copied when
        it grows (0.2 s at a million rows, and the packs are made again), so rarely, and by
        less than doubling (which would double the memory at the first new file)."""
        if self.n + more <= len(self.ids):
            return
        capacity = self.n + max(more, self.n // 8, 1024)

        def grown(array: np.ndarray, fill: Any) -> np.ndarray:
            bigger = np.full(capacity, fill, array.dtype)
            bigger[: self.n] = array[: self.n]
            return bigger

        self.ids = grown(self.ids, np.iinfo(np.int64).max)
        self.live = grown(self.live, False)
        self.codes = {c: grown(a, 0) for c, a in self.codes.items()}
        self.numbers = {c: grown(a, np.nan) for c, a in self.numbers.items()}
        self.packs = None

    def _insert_sorted(self, new_ids: np.ndarray) -> None:
        """Add rows for ids that fall among the existing ones (rare: an entry written again
        for an old file), keeping ``ids`` sorted; every cached sort is dropped."""
        n = self.n
        ids = np.concatenate([self.ids[:n], new_ids])
        order = np.argsort(ids, kind="stable")
        null_codes = {c: self.index[c].get(None, 0) for c in self.codes}
        self.ids = ids[order]
        self.live = np.concatenate([self.live[:n], np.zeros(len(new_ids), bool)])[order]
        self.codes = {
            c: np.concatenate([a[:n], np.full(len(new_ids), null_codes[c], a.dtype)])[order]
            for c, a in self.codes.items()
        }
        self.numbers = {
            c: np.concatenate([a[:n], np.full(len(new_ids), np.nan)])[order]
            for c, a in self.numbers.items()
        }
        self.n = len(self.ids)
        self.layout += 1
        self.orders, self.sort_keys, self.packs = {}, set(), None

    def _forget_sorts(self, positions: np.ndarray) -> None:
        """Keep the sorts on numbers right for rows that changed: taken out and put back in
        their place when they are few, else sorted again when next needed."""
        positions = np.unique(positions)
        for key in list(self.orders):
            if key not in self.sort_keys or len(positions) > MERGE_LIMIT:
                del self.orders[key]
                self.sort_keys.discard(key)
                continue
            self.orders[key] = self._merged(key, positions)

    # --- Queries -----------------------------------------------------------------------------

    def visible(self, user: Any) -> np.ndarray:
        """The rows ``user`` may see: live ones, in datasets the permission seam admits."""
        live = self.live[: self.n]
        lut = self._access_lut(user)
        if lut is None:
            return live.copy()
        return live & lut[self.codes["dataset_id"][: self.n]]

    def _access_lut(self, user: Any) -> np.ndarray | None:
        """Which dataset codes ``user`` sees (None: all). The seam's answer is kept per person
        (:func:`~lims.core.permissions.search_access_key`) until the change log records a
        change of who sees what (kind ``p``, migration ``0008``): asking costs a query of
        memberships and visibilities, tens of milliseconds, on every search otherwise."""
        key = search_access_key(user)
        access = self.access.pop(key, None)
        if access is None:
            datasets = search_entry_datasets(user)
            if datasets is None:
                access = Access(None)
            else:
                access = Access(list(datasets.order_by().values_list("id", flat=True)))
        if not self.own_access:
            self.access[key] = access  # the most recently used last
            while len(self.access) > ACCESS_KEPT:
                del self.access[next(iter(self.access))]
        if access.dataset_ids is None:
            return None
        if len(access.lut) != len(self.vocab["dataset_id"]):  # a dataset code was added
            access.lut = self._lut("dataset_id", access.dataset_ids)
        return access.lut

    def _lut(self, column: str, values: Iterable[Any]) -> np.ndarray:
        lut = np.zeros(len(self.vocab[column]), bool)
        index = self.index[column]
        codes = [index[v] for v in values if v in index]
        lut[codes] = True
        return lut

    def number(self, column: str) -> np.ndarray:
        """A number column (NaN for NULL), loaded the first time it is needed."""
        if column not in self.numbers:
            rows = _BinaryRows([">i8", ">f8"])
            _copy(
                f"COPY (SELECT file_id, {_number_sql(column)} FROM search_entry) "
                "TO STDOUT (FORMAT binary)",
                rows,
            )
            ids, values = rows.columns()
            column_values = np.full(len(self.ids), np.nan)
            at = np.searchsorted(self.ids[: self.n], ids)
            inside = at < self.n
            at, ids, values = at[inside], ids[inside], values[inside]
            match = self.ids[at] == ids
            column_values[at[match]] = values[match]
            self.numbers[column] = column_values
        return self.numbers[column][: self.n]

    def condition_mask(
        self, condition: Condition, ranks: dict[str, np.ndarray], words: list[Word]
    ) -> np.ndarray:
        """The rows one condition matches (``ranks`` collects the words' relevance)."""
        test = condition.test
        if test is not None and test.lookup == "range" and test.column in NUMBER_COLUMNS:
            return self._range(test)
        if test is not None and test.lookup == "related":
            model = apps.get_model(test.model)
            ids = model.objects.filter(test.related).values_list("pk", flat=True)
            return self._lut(test.column, ids)[self.codes[test.column][: self.n]]
        if test is not None and test.column in self.codes:
            return self._text_lut(test)[self.codes[test.column][: self.n]]
        return self._sql_mask(condition, ranks, words)

    def _range(self, test: Test) -> np.ndarray:
        assert test.bounds is not None
        values = self.number(test.column)
        mask = np.ones(self.n, bool)
        bounds = test.bounds
        for bound, inclusive, low in (
            (bounds.low, bounds.low_inclusive, True),
            (bounds.high, bounds.high_inclusive, False),
        ):
            if bound is None:
                continue
            if hasattr(bound, "timestamp"):
                limit = float(round(bound.timestamp() * 1_000_000))  # type: ignore[union-attr]
            else:
                limit = float(bound)  # type: ignore[arg-type]
            if low:
                mask &= values >= limit if inclusive else values > limit
            else:
                mask &= values <= limit if inclusive else values < limit
        return mask

    def _text_lut(self, test: Test) -> np.ndarray:
        """Which values of the column's vocabulary a case-insensitive lookup matches: in
        Python when everything is ASCII (``upper`` agrees with PostgreSQL's there), else by
        PostgreSQL over the vocabulary itself."""
        vocab = self.vocab[test.column]
        wanted = test.value
        texts = [v for v in vocab if v is not None]
        if wanted.isascii() and all(v.isascii() for v in texts):
            wanted = wanted.upper()
            if test.lookup == "iexact":
                matched = [v is not None and v.upper() == wanted for v in vocab]
            else:
                matched = [v is not None and wanted in v.upper() for v in vocab]
            return np.array(matched, bool) if vocab else np.zeros(0, bool)
        pattern = (
            "UPPER(v) = UPPER(%s)" if test.lookup == "iexact" else "strpos(UPPER(v), UPPER(%s)) > 0"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT i FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, i) WHERE {pattern}",
                [[v if v is not None else None for v in vocab], test.value],
            )
            codes = [i - 1 for (i,) in cursor.fetchall()]
        lut = np.zeros(len(vocab), bool)
        lut[codes] = True
        return lut

    def _sql_mask(
        self, condition: Condition, ranks: dict[str, np.ndarray], words: list[Word]
    ) -> np.ndarray:
        """A condition PostgreSQL answers: the ids of the entries it matches (all entries, the
        permission is the matrix's mask), with the words' rank when the sort needs it. The
        answer is kept (see :class:`Answer`): asking again costs nothing, and what changed
        since is asked of PostgreSQL for the changed entries alone."""
        entries = SearchEntry.objects.filter(condition.q).order_by()
        ranked = condition.group == "text" and "want" in ranks
        if ranked:
            entries = entries.annotate(relevance=rank(words)).values_list("file_id", "relevance")
        else:
            entries = entries.values_list("file_id")
        sql, params = entries.query.sql_with_params()
        key = (sql, tuple(map(str, params)))
        answer = self.answers.pop(key, None)
        if answer is None:
            answer = Answer(sql, params, ranked, *_ids_and_ranks(sql, params, ranked))
        elif answer.pending:
            answer.patch(self.ids[: self.n])
        self.answers[key] = answer  # the most recently used last
        self._forget_answers()
        if answer.rows is None or answer.layout != self.layout:
            answer.rows, answer.layout = _rows_of(self.ids[: self.n], answer.file_ids), self.layout
        present = answer.rows >= 0
        rows = answer.rows[present]
        mask = np.zeros(self.n, bool)
        mask[rows] = True
        if ranked:
            scores = np.zeros(self.n, np.float64)
            scores[rows] = answer.ranks[present]
            ranks["text"] = scores
        return mask

    @property
    def answers_size(self) -> int:
        return sum(len(a.file_ids) for a in self.answers.values())

    def _forget_answers(self) -> None:
        """Keep at most :data:`ANSWERS_KEPT` answers and :data:`ANSWER_IDS_KEPT` ids in all."""
        while self.answers and (
            len(self.answers) > ANSWERS_KEPT or self.answers_size > ANSWER_IDS_KEPT
        ):
            del self.answers[next(iter(self.answers))]

    def mask_of(self, file_ids: np.ndarray) -> np.ndarray:
        """The rows of these (sorted) file ids."""
        mask = np.zeros(self.n, bool)
        at = np.searchsorted(self.ids[: self.n], file_ids)
        inside = at < self.n
        at, file_ids = at[inside], file_ids[inside]
        mask[at[self.ids[at] == file_ids]] = True
        return mask

    def matching(
        self, user: Any, query: CompiledQuery, *, with_rank: bool = False
    ) -> tuple[np.ndarray, Groups, dict[str, np.ndarray], np.ndarray]:
        """The rows ``user`` sees that match ``query``; the masks by field, so facets can leave
        their own out; the words' ranks; and the rows seen at all."""
        seen = self.visible(user)
        ranks: dict[str, np.ndarray] = {"want": np.empty(0)} if with_rank else {}
        groups: dict[str, list[tuple[str, np.ndarray]]] = defaultdict(list)
        for condition in query.conditions:
            groups[condition.group].append(
                (condition.field_name, self.condition_mask(condition, ranks, query.words))
            )
        ranks.pop("want", None)
        matched = seen.copy()
        for members in groups.values():
            matched &= _any(mask for _, mask in members)
        return matched, groups, ranks, seen

    # --- Facets --------------------------------------------------------------------------------

    def facet_counts(
        self,
        names: Sequence[str],
        query: CompiledQuery,
        matched: np.ndarray,
        groups: Groups,
        seen: np.ndarray,
    ) -> dict[str, dict[Any, int]]:
        """Counts per value of each named facet over the rows that match every group of
        conditions but those on the facet's own field."""
        chosen = {c.field_name for c in query.conditions}
        by_mask: dict[str | None, list[str]] = defaultdict(list)
        for name in names:
            field = FACETS[name].field
            by_mask[field if field in chosen else None].append(name)
        counts: dict[str, dict[Any, int]] = {}
        for field, facet_names in by_mask.items():
            mask = matched if field is None else _without(query, field, groups, seen)
            per_column = self._counts(
                mask, {_FACET_COLUMN.get(n, FACETS[n].column) for n in facet_names}
            )
            for name in facet_names:
                counts[name] = self._facet_values(name, per_column)
        return counts

    def _facet_values(self, name: str, per_column: dict[str, np.ndarray]) -> dict[Any, int]:
        column = _FACET_COLUMN.get(name, FACETS[name].column)
        vocab, per_code = self.vocab[column], per_column[column]
        if name == "tag":
            return self._tag_values(per_code[: len(vocab)])
        found = np.flatnonzero(per_code[: len(vocab)])
        per_value = {vocab[c]: int(per_code[c]) for c in found.tolist()}
        if name == "year":
            years: dict[Any, int] = defaultdict(int)
            for value, n in per_value.items():
                years[value // 100 if value is not None else None] += n
            per_value = dict(years)
        return per_value

    def _tag_values(self, per_dataset_code: np.ndarray) -> dict[Any, int]:
        """Files per tag of their dataset, from files per dataset code (a file has its
        dataset's tags), through the links of datasets and tags as two code arrays."""
        vocab = self.vocab["dataset_id"]
        if self.tag_links is None or self.tag_links[2] != len(vocab):
            codes, tags, names = [], [], {}  # type: ignore[var-annotated]
            index = self.index["dataset_id"]
            for dataset_id, tag_names in self.tags.items():
                code = index.get(dataset_id)
                if code is None:
                    continue
                for tag in tag_names:
                    codes.append(code)
                    tags.append(names.setdefault(tag, len(names)))
            self.tag_links = (
                np.array(codes, np.int64),
                np.array(tags, np.int64),
                len(vocab),
                list(names),
            )
        codes, tags, _, names = self.tag_links
        per_tag = np.bincount(tags, weights=per_dataset_code[codes], minlength=len(names))
        return {names[t]: int(per_tag[t]) for t in np.flatnonzero(per_tag).tolist()}

    def _counts(self, mask: np.ndarray, columns: set[str]) -> dict[str, np.ndarray]:
        """Rows per code of each column among the rows of ``mask``: one ``bincount`` per pack of
        columns (see :meth:`_packs`), the rows picked once."""
        live = self.live[: self.n]
        dense = np.count_nonzero(mask) > np.count_nonzero(live) / 2
        # Most rows: the kept counts of every live row, less those of the live rows left out.
        rows = np.flatnonzero(live & ~mask if dense else mask)
        result: dict[str, np.ndarray] = {}
        packs = self._packs()
        totals = self._live_totals() if dense else None
        for i, pack in enumerate(packs):
            if not columns & set(pack.columns):
                continue
            grid = np.bincount(pack.codes.take(rows), minlength=pack.size)
            if totals is not None:
                grid = totals[i] - grid
            grid = grid.reshape(pack.radices)
            for axis, column in enumerate(pack.columns):
                if column in columns:
                    others = tuple(a for a in range(len(pack.columns)) if a != axis)
                    result[column] = grid.sum(axis=others) if others else grid
        return result

    def _live_totals(self) -> list[np.ndarray]:
        """Rows per combined code of each pack over every live row, kept (and changed row by
        row as entries change: :meth:`_tally`)."""
        if self.live_totals is None:
            rows = np.flatnonzero(self.live[: self.n])
            self.live_totals = [
                np.bincount(pack.codes.take(rows), minlength=pack.size) for pack in self._packs()
            ]
        return self.live_totals

    def _tally(self, positions: np.ndarray, sign: int) -> None:
        """Take the live rows at ``positions`` out of the kept totals (-1) or put them in (+1)."""
        if self.live_totals is None:
            return
        if self.packs is None:
            self.live_totals = None
            return
        live = positions[self.live[positions]]
        for totals, pack in zip(self.live_totals, self.packs, strict=True):
            np.add.at(totals, pack.codes[live], sign)

    def _packs(self) -> list[Pack]:
        """The facet columns packed into few combined codes (``code₁ · radix₂ + code₂ …``, at
        most :data:`PACK_BINS` combinations each), so that one ``bincount`` counts several
        facets: a fourth of the passes over the rows. Built again when a vocabulary outgrows
        its room."""
        if self.packs is not None and all(
            len(self.vocab[c]) <= radix
            for pack in self.packs
            for c, radix in zip(pack.columns, pack.radices, strict=True)
        ):
            return self.packs
        columns = sorted(
            set(_FACET_COLUMN.values())
            | {f.column for f in FACETS.values()} - {"acquired_year", "tag"},
            key=lambda c: len(self.vocab[c]),
        )
        packs: list[Pack] = []
        current: list[tuple[str, int]] = []
        for column in columns:
            radix = max(2, len(self.vocab[column]) + len(self.vocab[column]) // 4 + 1)
            size = int(np.prod([r for _, r in current])) if current else 1
            if current and size * radix > PACK_BINS:
                packs.append(self._pack(current))
                current = []
            current.append((column, radix))
        if current:
            packs.append(self._pack(current))
        self.packs, self.live_totals = packs, None
        return packs

    def _pack(self, columns: list[tuple[str, int]]) -> Pack:
        combined = np.zeros(len(self.ids), np.int64 if _size(columns) > 2**31 else np.int32)
        for column, radix in columns:
            combined *= radix
            combined[: self.n] += self.codes[column][: self.n]
        return Pack(
            tuple(c for c, _ in columns), tuple(r for _, r in columns), _size(columns), combined
        )

    # --- Order ---------------------------------------------------------------------------------

    def order(self, key: str) -> np.ndarray:
        """Every row in the order of sort ``key`` (a column's path, ``-`` first when descending;
        NULLs last; the file id breaks ties the same way), kept until the rows change."""
        if key not in self.orders:
            values, numeric = self._sort_values(key)
            descending = key.startswith("-")
            rows = np.arange(self.n)
            if descending:
                self.orders[key] = np.lexsort((-rows, -values)).astype(np.int64)
            else:
                self.orders[key] = np.lexsort((rows, values)).astype(np.int64)
            if numeric:
                self.sort_keys.add(key)
        return self.orders[key]

    def _merged(self, key: str, positions: np.ndarray) -> np.ndarray:
        """The order of ``key`` with the rows at ``positions`` put where they now belong: taken
        out with one pass over the order, put back by bisection (the sort's values are read for
        a few rows only: a pass that read all of them cost 15 ms at every write)."""
        dropped = np.zeros(len(self.ids), bool)
        dropped[positions] = True
        order = self.orders[key]
        order = order[~dropped[order]]
        values, _ = self._sort_values(key)
        descending = key.startswith("-")
        sign = -1.0 if descending else 1.0

        def place(row: Any) -> tuple[bool, float, int]:
            value = sign * float(values[row])
            missing = math.isnan(value)  # NULLs last, as np.lexsort puts NaN
            return missing, 0.0 if missing else value, -int(row) if descending else int(row)

        new_rows = sorted(positions.tolist(), key=place)
        places = [bisect.bisect_left(order, place(row), key=place) for row in new_rows]
        return np.insert(order, places, new_rows)

    def _sort_values(self, key: str) -> tuple[np.ndarray, bool]:
        """The values a sort orders by (NaN for NULL), and whether they are numbers (else ranks
        of texts, as PostgreSQL collates them)."""
        path = key.lstrip("-")
        if path in NUMBER_COLUMNS:
            return self.number(path), True
        relations = {
            "project__name": ("project_id", "projects_project", "name"),
            "dataset__title": ("dataset_id", "datasets_dataset", "title"),
            "uploaded_by__username": ("uploaded_by_id", "accounts_user", "username"),
        }
        with connection.cursor() as cursor:
            if path in relations:
                coded, table, name = relations[path]
                cursor.execute(f"SELECT id, dense_rank() OVER (ORDER BY {name}) FROM {table}")
                ranks = dict(cursor.fetchall())
                lut = np.array(
                    [ranks.get(v, np.nan) if v is not None else np.nan for v in self.vocab[coded]],
                    np.float64,
                )
                return lut[self.codes[coded][: self.n]], False
            if path in self.codes:
                vocab = self.vocab[path]
                cursor.execute(
                    "SELECT v, dense_rank() OVER (ORDER BY v) FROM unnest(%s::text[]) AS t(v) "
                    "WHERE v IS NOT NULL",
                    [vocab],
                )
                ranks = dict(cursor.fetchall())
                lut = np.array(
                    [ranks.get(v, np.nan) if v is not None else np.nan for v in vocab], np.float64
                )
                return lut[self.codes[path][: self.n]], False
            cursor.execute(
                f"SELECT file_id, dense_rank() OVER (ORDER BY {path}) FROM search_entry "
                f"WHERE {path} IS NOT NULL"
            )
            rows = cursor.fetchall()
        values = np.full(self.n, np.nan)
        if rows:
            ids = np.array([r[0] for r in rows], np.int64)
            ranked = np.array([r[1] for r in rows], np.float64)
            at = np.searchsorted(self.ids[: self.n], ids)
            inside = at < self.n
            keep = np.zeros(len(ids), bool)
            keep[inside] = self.ids[at[inside]] == ids[inside]
            values[at[keep]] = ranked[keep]
        return values, False

    def ordered_rows(
        self,
        key: str,
        matched: np.ndarray,
        ranks: dict[str, np.ndarray],
        stop: int | None = None,
    ) -> np.ndarray:
        """The matched rows in the order of ``key`` (``relevance``: by the words' rank, then the
        newest acquisitions first, then the file id, as the SQL path orders them); only the
        first ``stop`` when given (a page reads as far as it shows)."""
        if key == "relevance":
            rows = np.flatnonzero(matched)
            relevance = ranks.get("text", np.zeros(self.n))[rows]
            if stop is not None and stop < len(rows):
                # Only rows ranked at least as high as the stop-th can be on the page.
                threshold = np.partition(relevance, len(rows) - stop)[len(rows) - stop]
                keep = relevance >= threshold
                rows, relevance = rows[keep], relevance[keep]
            acquired = self.numbers["acquired_at"][: self.n][rows]
            return rows[np.lexsort((rows, -acquired, -relevance))][:stop]
        order = self.order(key)
        if stop is None:
            return order[matched[order]]
        found: list[np.ndarray] = []
        total, start = 0, 0
        share = max(np.count_nonzero(matched), 1) / max(self.n, 1)
        step = max(4096, int(stop / share * 1.2))
        while start < self.n and total < stop:
            chunk = order[start : start + step]
            hits = chunk[matched[chunk]]
            found.append(hits)
            total += len(hits)
            start += step
            step *= 2
        return np.concatenate(found)[:stop] if found else np.empty(0, np.int64)


def _any(masks: Iterable[np.ndarray]) -> np.ndarray:
    result: np.ndarray | None = None
    for mask in masks:
        result = mask.copy() if result is None else result | mask
    assert result is not None
    return result


def _without(query: CompiledQuery, field: str, groups: Groups, seen: np.ndarray) -> np.ndarray:
    """The rows seen matching every condition but those on ``field`` (as
    :meth:`CompiledQuery.filter` with ``except_field``)."""
    mask = seen.copy()
    for members in groups.values():
        kept = [m for name, m in members if name != field]
        if kept:
            mask &= _any(kept)
    return mask


_lock = threading.RLock()
_loader_lock = threading.Lock()
_matrix: Matrix | None = None


def matrix_reset() -> None:
    """Forget the matrix (the next search loads it again): for tests, whose transactions roll
    back."""
    global _matrix
    with _lock:
        _matrix = None


class MatrixNotReady(Exception):
    """The matrix is being loaded in the background: search with SQL meanwhile."""


_loader: threading.Thread | None = None


def _background() -> bool:
    return settings.LIMS_SEARCH_MATRIX_LOAD == "background"


def matrix_loaded() -> bool:
    """Has this process a matrix of the default database (fresh or not)?"""
    return _matrix is not None and _matrix.database == connection.settings_dict["NAME"]


def matrix_warm() -> threading.Thread | None:
    """Start loading this process's matrix in a thread of its own (its own database
    connection), unless it is loaded or loading; returns the loading thread. Searches meanwhile
    run on SQL: a million entries take half a minute to load, longer than a request may wait
    (gunicorn's ``post_worker_init`` calls this so that a new web process loads at once)."""
    global _loader
    with _loader_lock:
        if matrix_loaded():
            return None
        if _loader is not None and _loader.is_alive():
            return _loader
        _loader = threading.Thread(target=_load_in_background, name="facet-matrix", daemon=True)
        _loader.start()
        return _loader


def _settle() -> None:
    """After a load: leave what the process holds now (its modules, Django, the matrix's
    vocabularies) out of the garbage collector's full passes, and give the C heap the load
    used for a while back to the system. A full pass walks every object the process tracks,
    60 to 85 ms here, and falls on whichever search allocated last; the load's temporary rows
    left 280 MB of freed heap in the process (malloc_trim, glibc only)."""
    gc.freeze()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def _load_in_background() -> None:
    global _matrix
    try:
        loaded = Matrix()
        loaded.load()
        _settle()
        with _lock:
            _matrix = loaded
        logger.info("Facet matrix loaded: %d entries in %.1f s", loaded.n, loaded.loaded_seconds)
    except Exception:  # the searches go on with SQL; the next one tries again
        logger.exception("The facet matrix could not be loaded")
    finally:
        connection.close()  # this thread's own connection


def current_matrix(*, wait: bool = False) -> Matrix:
    """This process's matrix of the default database, fresh. Loaded the first time and when
    catching up costs more than loading: at once (``wait``, or ``LIMS_SEARCH_MATRIX_LOAD=wait``)
    or in a thread, raising :class:`MatrixNotReady` meanwhile."""
    global _matrix
    background = _background() and not wait
    if not matrix_loaded():
        if background:
            matrix_warm()
            raise MatrixNotReady
        _matrix = Matrix()
        _matrix.load()
        _settle()
    else:
        assert _matrix is not None
        if not _matrix.refresh(reload=not background):
            _matrix = None
            matrix_warm()
            raise MatrixNotReady
    return _matrix


def matrix_page(
    *,
    user: Any,
    query: CompiledQuery,
    sort: str,
    page: int,
    page_size: int,
    facets: Sequence[str],
    wait: bool = False,
) -> Page:
    """Count, facet counts and one page of ordered file ids for a search (see the module
    docstring); an out-of-range page gives the last one. Raises :class:`MatrixNotReady` while
    the matrix loads in the background (unless ``wait``)."""
    with _lock:
        matrix = current_matrix(wait=wait)
        matched, groups, ranks, seen = matrix.matching(user, query, with_rank=sort == "relevance")
        count = int(np.count_nonzero(matched))
        pages = max(1, -(-count // page_size))
        page = max(1, min(int(page), pages))
        counts = matrix.facet_counts(facets, query, matched, groups, seen) if facets else {}
        rows = matrix.ordered_rows(sort, matched, ranks, stop=page * page_size)
        chosen = rows[(page - 1) * page_size : page * page_size]
        return Page(count, page, matrix.ids[chosen].tolist(), counts)


def matrix_ids(*, user: Any, query: CompiledQuery, sort: str, wait: bool = False) -> np.ndarray:
    """Every matching file id in order (for exports: 8 bytes a row; the rows themselves are
    read a chunk at a time). Raises :class:`MatrixNotReady` as :func:`matrix_page` does."""
    with _lock:
        matrix = current_matrix(wait=wait)
        matched, _, ranks, _ = matrix.matching(user, query, with_rank=sort == "relevance")
        return matrix.ids[matrix.ordered_rows(sort, matched, ranks)]
