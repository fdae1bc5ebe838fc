"""Giving a parsed query its meaning: conditions over the search index.

Conditions on the same field combine with OR (``technique:STEM technique:TEM``, or two values
of a facet), different fields with AND; words must all match (as word prefixes), ranked on
PostgreSQL by ``ts_rank_cd`` over the weighted ``document``. What does not read (an unknown
field, a value that is no quantity) becomes a :class:`Problem` with a suggestion when there is
one, never an exception.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, JSONField, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import (
    HasKey,
    KeyTransform,
    KeyTransformExact,
    KeyTransformGt,
    KeyTransformGte,
    KeyTransformIExact,
    KeyTransformLt,
    KeyTransformLte,
)

from extraction.units import beam_energy_ev, convert
from lims.files.models import ExtractionStatus
from lims.search import values
from lims.search.fields import Kind, SearchField, field_named, suggest
from lims.search.language import (
    DateTerm,
    FieldTerm,
    QuantityTerm,
    Term,
    VendorTerm,
    Word,
    clean,
    parse,
    quote,
    without,
)

#: What a number with a unit typed among the words is taken to be, by the first of these
#: stored units it converts to (``200 kV`` and ``200 keV`` are beam energies, ``0.1 nm`` a
#: pixel size, ``2 s`` an exposure time, ``50 pA`` a beam current).
FREE_QUANTITY_FIELDS = (
    ("eV", "beam_energy"),
    ("m", "pixel_size"),
    ("s", "exposure_time"),
    ("A", "beam_current"),
)
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Test:
    """The same condition as a :class:`Condition`'s ``q``, described for the in-memory facet
    matrix (:mod:`lims.search.matrix`), which answers it without PostgreSQL: ``lookup`` is
    ``iexact`` or ``icontains`` on a text ``column`` (case-insensitive, as Django's lookups),
    ``range`` on a number or date ``column`` within ``bounds``, or ``related``: the entry's
    ``column`` (``project_id``…) is one of the ``model`` rows ``related`` selects. A condition
    without a test (words, vendor keys, file names) is asked of PostgreSQL."""

    column: str
    lookup: str
    value: str = ""
    bounds: values.Bounds | None = None
    model: str = ""
    related: Q | None = None


@dataclass
class Condition:
    """One filter of the query; ``group`` joins conditions that combine with OR."""

    group: str
    q: Q
    label: str = ""
    term: Term | None = None
    field_name: str = ""
    value: str = ""
    test: Test | None = None


@dataclass
class Problem:
    """Something in the query that did not read, and a corrected query when one is likely."""

    message: str
    suggestion: str | None = None


@dataclass
class CompiledQuery:
    """A query with its meaning: conditions, the words to rank by, and problems."""

    text: str
    conditions: list[Condition] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def tsquery(self) -> str:
        """The words as a PostgreSQL ``tsquery`` (word prefixes; phrases in order)."""
        return tsquery(self.words)

    def filter(self, *, except_field: str | None = None) -> Q:
        """All the conditions (OR within a group, AND across), leaving out those on one field
        (a facet counts its values with the other facets' choices only)."""
        groups: dict[str, Q] = defaultdict(Q)
        for condition in self.conditions:
            if except_field is not None and condition.field_name == except_field:
                continue
            if condition.group in groups:
                groups[condition.group] |= condition.q
            else:
                groups[condition.group] = condition.q
        combined = Q()
        for q in groups.values():
            combined &= q
        return combined

    def chips(self) -> list[tuple[Condition, str]]:
        """The field conditions shown as chips, each with the query that removes it."""
        return [(c, without(self.text, c.term)) for c in self.conditions if c.term is not None]

    def selected(self, field_name: str) -> set[str]:
        """The values (lower case) chosen for a field, as facet values compare them."""
        return {c.value.lower() for c in self.conditions if c.field_name == field_name}


def tsquery(words: list[Word]) -> str:
    """``graph SI_00`` → ``graph:* & (si <-> 00:*)``; ``"lattice fringes"`` → ``(lattice <->
    fringes)``. A word written with hyphens, dots or underscores (``GR-17``, ``SI_0012.dm3``)
    is its parts side by side, in order, as the index holds it (``GR-17`` is not a "graphene"
    anywhere and a "17" anywhere else); its last part is a prefix, as a lone word is. Tokens
    are letters and digits only, so the result is always valid syntax."""
    parts = []
    for word in words:
        tokens = _TOKEN.findall(word.text.lower())
        if not tokens:
            continue
        if len(tokens) == 1:
            parts.append(f"{tokens[0]}:*")
            continue
        last = tokens[-1] if word.phrase else f"{tokens[-1]}:*"
        parts.append("(" + " <-> ".join([*tokens[:-1], last]) + ")")
    return " & ".join(parts)


def compile_query(text: str | None, *, postgres: bool | None = None) -> CompiledQuery:
    """Read ``text`` and give every term its condition (see the module docstring)."""
    postgres = connection.vendor == "postgresql" if postgres is None else postgres
    query = CompiledQuery(text=clean(text))
    for term in parse(query.text):
        if isinstance(term, Word):
            if _TOKEN.search(term.text):
                query.words.append(term)
        elif isinstance(term, FieldTerm):
            _field_term(query, term)
        elif isinstance(term, VendorTerm):
            _vendor_term(query, term, postgres=postgres)
        elif isinstance(term, QuantityTerm):
            _quantity_term(query, term)
        elif isinstance(term, DateTerm):
            acquired = field_named("acquired")
            assert acquired is not None
            _add_range(query, acquired, term.text, term, group="acquired")
    if query.words:
        query.conditions.append(Condition("text", _text_q(query.words, postgres=postgres)))
    return query


def _text_q(words: list[Word], *, postgres: bool) -> Q:
    if postgres:
        return Q(
            RawSQL(
                "search_entry.document @@ to_tsquery('simple', %s)",
                [tsquery(words)],
                output_field=BooleanField(),
            )
        )
    q = Q()
    for word in words:
        tokens = _TOKEN.findall(word.text.lower())
        if len(tokens) > 1:  # a phrase, or a word of parts (GR-17): side by side, as indexed
            tokens = [" ".join(tokens)]
        for token in tokens:
            q &= (
                Q(text_a__icontains=token) | Q(text_b__icontains=token) | Q(text_c__icontains=token)
            )
    return q


def rank(words: list[Word]) -> RawSQL:
    """The PostgreSQL rank of an entry for the words (names weigh most)."""
    return RawSQL(
        "ts_rank_cd(search_entry.document, to_tsquery('simple', %s))",
        [tsquery(words)],
        output_field=FloatField(),
    )


def _field_term(query: CompiledQuery, term: FieldTerm) -> None:
    search_field = field_named(term.name)
    if search_field is None:
        close = suggest(term.name)
        fixed = None
        if close:
            fixed = without(query.text, term) + f" {close}:{quote(term.value)}"
        message = f"There is no field “{term.name}”."
        if close:
            message += f" Did you mean “{close}”?"
        query.problems.append(Problem(message, fixed.strip() if fixed else None))
        return
    if not term.value:
        query.problems.append(Problem(f"“{term.name}:” needs a value after the colon."))
        return
    if search_field.kind in (Kind.QUANTITY, Kind.DATE):
        _add_range(query, search_field, term.value, term)
        return
    found = _value_q(query, search_field, term)
    if found is not None:
        q, test = found
        query.conditions.append(
            Condition(
                search_field.name,
                q,
                label=f"{search_field.label}: {term.value}",
                term=term,
                field_name=search_field.name,
                value=term.value,
                test=test,
            )
        )


def _value_q(
    query: CompiledQuery, search_field: SearchField, term: FieldTerm
) -> tuple[Q, Test | None] | None:
    value, exact = term.value, term.quoted
    if search_field.kind is Kind.CHOICE:
        choices = _choices(search_field)
        matched = next(
            (c for c, label in choices if value.lower() in (c.lower(), label.lower())), None
        )
        if matched is None:
            close = _close([c for c, _ in choices], value)
            fixed = (
                f"{without(query.text, term)} {search_field.name}:{close}".strip()
                if close
                else None
            )
            known = ", ".join(c for c, _ in choices)
            query.problems.append(
                Problem(f"“{value}” is not a {search_field.label.lower()} ({known}).", fixed)
            )
            return None
        column = search_field.column
        return Q(**{f"{column}__iexact": matched}), Test(column, "iexact", matched)
    if search_field.kind is Kind.TEXT:
        lookup = "iexact" if exact else "icontains"
        column = search_field.column
        return Q(**{f"{column}__{lookup}": value}), Test(column, lookup, value)
    if search_field.kind is Kind.TAG:
        tag = f"|{value.lower()}|" if exact else f"|{value.lower()}"
        return Q(tags__icontains=tag), Test("tags", "icontains", tag)
    return _relation_q(search_field.name, value, exact)


#: A relation field: the entry's column, the related model and the entry's path to it.
_RELATIONS = {
    "project": ("project_id", "projects.Project", "project"),
    "dataset": ("dataset_id", "datasets.Dataset", "dataset"),
    "instrument": ("instrument_id", "instruments.Instrument", "instrument"),
    "uploader": ("uploaded_by_id", "accounts.User", "uploaded_by"),
}


def _relation_q(name: str, value: str, exact: bool) -> tuple[Q, Test]:
    """The related rows a name or identifier chooses (a ``Q`` over the related model), and
    the same through the entry's relation (the SQL path joins, the matrix asks for ids)."""
    text = "iexact" if exact else "icontains"
    related: Q
    if name == "project":
        related = Q(slug__iexact=value) | Q(**{f"name__{text}": value})
    elif name == "dataset":
        try:
            related = Q(uid=uuid.UUID(value))
        except ValueError:
            related = Q(**{f"title__{text}": value})
    elif name == "instrument":
        related = Q(**{f"name__{text}": value})
    else:
        related = Q(username__iexact=value) | Q(**{f"last_name__{text}": value})
    column, model, path = _RELATIONS[name]
    return _prefixed(related, path), Test(column, "related", model=model, related=related)


def _prefixed(q: Q, path: str) -> Q:
    """``q`` (over a related model) as seen from the entry through ``path``."""
    children = [
        _prefixed(child, path) if isinstance(child, Q) else (f"{path}__{child[0]}", child[1])
        for child in q.children
    ]
    return Q(*children, _connector=q.connector, _negated=q.negated)


def _choices(search_field: SearchField) -> tuple[tuple[str, str], ...]:
    if search_field.name == "status":
        return tuple((str(v), str(label)) for v, label in ExtractionStatus.choices)
    return search_field.spec.choices if search_field.spec else ()


def _close(options: list[str], value: str) -> str | None:
    import difflib

    lowered = {o.lower(): o for o in options}
    match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.5)
    return lowered[match[0]] if match else None


def _add_range(
    query: CompiledQuery,
    search_field: SearchField,
    text: str,
    term: Term,
    *,
    group: str | None = None,
) -> None:
    try:
        bounds = values.bounds(search_field, text)
    except values.BadValue as exc:
        message = str(exc)
        query.problems.append(Problem(message[:1].upper() + message[1:] + "."))
        return
    q = Q()
    column = search_field.column
    if bounds.low is not None:
        q &= Q(**{f"{column}__{'gte' if bounds.low_inclusive else 'gt'}": bounds.low})
    if bounds.high is not None:
        q &= Q(**{f"{column}__{'lte' if bounds.high_inclusive else 'lt'}": bounds.high})
    label = search_field.label
    query.conditions.append(
        Condition(
            group or search_field.name,
            q,
            label=f"{label}: {text}",
            term=term,
            field_name=search_field.name,
            value=text,
            test=Test(column, "range", bounds=bounds),
        )
    )


def _quantity_term(query: CompiledQuery, term: QuantityTerm) -> None:
    """``200 kV`` among the words: a condition on the field the unit measures, else words."""
    unit = term.unit
    name = None
    if re.fullmatch(r"[kKM]?[xX\u00d7]", unit):
        name = "magnification"
    else:
        for stored, candidate in FREE_QUANTITY_FIELDS:
            factor = beam_energy_ev(1.0, unit) if stored == "eV" else convert(1.0, unit, stored)
            if factor:
                name = candidate
                break
    search_field = field_named(name) if name else None
    if search_field is None:
        query.words.extend(
            [
                Word(term.start, term.end, text=term.number),
                Word(term.start, term.end, text=unit),
            ]
        )
        return
    _add_range(query, search_field, f"{term.number} {unit}", term)


class _JSONTypeIsNumber(Func):
    """Is the value under one key of the vendor tree a number? (A comparison never reads a
    text or a flag as one.)"""

    output_field = BooleanField()

    def __init__(self, key: str) -> None:
        super().__init__(KeyTransform(key, "tree"))
        self.key = key

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(jsonb_typeof({sql}) = 'number')", params

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        import json

        path = f"$.{json.dumps(self.key)}"
        return "(json_type(search_entry.tree, %s) IN ('integer', 'real'))", [path]


_COMPARE = {">": KeyTransformGt, ">=": KeyTransformGte, "<": KeyTransformLt, "<=": KeyTransformLte}


def _vendor_term(query: CompiledQuery, term: VendorTerm, *, postgres: bool) -> None:
    key, op, value = term.key, term.op, term.value
    number = _number(value) if not term.quoted else None
    value_q: Q
    if op in _COMPARE:
        if number is None:
            query.problems.append(Problem(f"“{key} {op} {value}” compares with a number only."))
            return
        compared = _COMPARE[op](KeyTransform(key, "tree"), Value(number, output_field=JSONField()))
        value_q = Q(_JSONTypeIsNumber(key)) & Q(compared)
    else:
        if postgres:  # containment, answered by the GIN index on the tree
            value_q = Q(tree__contains={key: value})
            if number is not None:
                value_q |= Q(tree__contains={key: number})
        else:
            value_q = Q(KeyTransformIExact(KeyTransform(key, "tree"), value))
            if number is not None:
                value_q |= Q(KeyTransformExact(KeyTransform(key, "tree"), number))
        if op == "!=":
            value_q = ~value_q
    q = Q(HasKey(F("tree"), key)) & value_q
    query.conditions.append(
        Condition(
            f"vendor:{term.start}",
            q,
            label=f"{key} {op} {value}",
            term=term,
            field_name=f"vendor:{key}",
            value=value,
        )
    )


def _number(text: str) -> float | int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return (
        int(number)
        if number.is_integer() and "." not in text and "e" not in text.lower()
        else number
    )
