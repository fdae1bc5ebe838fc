"""The search language, read into terms (syntax only; :mod:`lims.search.compile` gives them a
meaning).

One box takes words and fields together::

    titan "lattice fringes" microscope:titan technique:STEM kv:200..300 mag:>1M
    acquired:2024-03.. kind:image 200 kV 2024-03 "ImageTags.Microscope Info.Voltage" >= 200000

* a **word** (``graphene``, ``SI_0012.dm3``) or a **"quoted phrase"**;
* a **field filter** ``name:value``: the value may be quoted (``microscope:"Titan G2"``), a
  range ``a..b`` (either end may be left open), or a comparison ``>x``, ``>=x``, ``<x``,
  ``<=x``;
* a **vendor-key comparison** ``Key.Path op value`` with ``op`` one of ``= != > >= < <=``; the
  key is a dotted path of the vendor's tree, quoted when it could be mistaken for words
  (``"Tecnai.Microscope Info.Spot" = 2``); unquoted, its first part has no spaces;
* a **quantity** typed as a number and a unit (``200 kV``, ``300kV``, ``1 Mx``, ``0.1 nm``),
  and a **date** (``2024``, ``2024-03``, ``2024-03-15``).

:func:`parse` never raises: any text reads as terms (what is not understood is words). Each
term keeps its span in the text, so a chip can be removed by cutting it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longer queries are cut (nobody types more; it bounds the parser's and the database's work).
MAX_QUERY_LENGTH = 1000


@dataclass(frozen=True)
class Term:
    """Something read from the query, with where it stands in the text."""

    start: int
    end: int


@dataclass(frozen=True)
class Word(Term):
    """A word or a quoted phrase of free text."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class FieldTerm(Term):
    """``name:value`` as typed (the name in lower case, the value unquoted)."""

    name: str
    value: str
    quoted: bool = False


@dataclass(frozen=True)
class VendorTerm(Term):
    """``Key.Path op value``: a comparison on one key of the vendor's tree."""

    key: str
    op: str
    value: str
    quoted: bool = False


@dataclass(frozen=True)
class QuantityTerm(Term):
    """A number with a unit typed among the words (``200 kV``)."""

    number: str
    unit: str


@dataclass(frozen=True)
class DateTerm(Term):
    """A year, month or day typed among the words (``2024-03``)."""

    text: str


_QUOTED_VALUE = r'"(?P<qv>[^"]*)"?'
_VENDOR = re.compile(
    r'(?:"(?P<qkey>[^"]{1,300})"|(?P<key>[A-Za-z_][\w\-]*(?:\.[^.<>=!:"\s][^.<>=!:"]{0,100}?)+?))'
    r"\s*(?P<op>>=|<=|!=|=|>|<)\s*"
    r'(?:"(?P<qvalue>[^"]*)"?|(?P<value>[^\s"]+))'
)
_FIELD = re.compile(r"(?P<name>[A-Za-z_][\w\-]{0,40}):(?:" + _QUOTED_VALUE + r"|(?P<value>\S*))")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_UNIT_CHARS = "A-Za-z\u00b5\u03bc\u00c5\u00b0\u00d7"  # micro signs, angstrom, degree, times
_QUANTITY = re.compile(
    rf"(?P<number>{_NUMBER})[ \t]?"
    rf"(?P<unit>[{_UNIT_CHARS}]{{1,5}}(?:\^?-1)?(?:/[{_UNIT_CHARS}]{{1,3}})?)(?=\s|$)"
)
_DATE = re.compile(r"(?P<date>(?:19|20)\d\d(?:-[01]\d(?:-[0-3]\d)?)?)(?=\s|$)")
_WORD = re.compile(r"\S+")


def clean(text: str | None) -> str:
    """The query as the parser reads it: no NUL characters, trimmed, bounded in length."""
    return (text or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def parse(text: str | None) -> list[Term]:
    """The terms of a query, in order (see the module docstring)."""
    text = clean(text)
    terms: list[Term] = []
    pos, end = 0, len(text)
    while pos < end:
        if text[pos].isspace():
            pos += 1
            continue
        term = _read_term(text, pos)
        terms.append(term)
        pos = max(term.end, pos + 1)
    return terms


def _read_term(text: str, pos: int) -> Term:
    if text[pos] == '"':
        vendor = _VENDOR.match(text, pos)
        if vendor and vendor.group("qkey") is not None:
            return _vendor_term(vendor)
        close = text.find('"', pos + 1)
        stop = len(text) if close < 0 else close + 1
        inner = text[pos + 1 : close if close >= 0 else len(text)].strip()
        return Word(pos, stop, text=inner, phrase=True)
    field = _FIELD.match(text, pos)
    if field:
        quoted = field.group("qv") is not None
        value = field.group("qv") if quoted else field.group("value")
        return FieldTerm(
            pos, field.end(), name=field.group("name").lower(), value=value.strip(), quoted=quoted
        )
    vendor = _VENDOR.match(text, pos)
    if vendor:
        return _vendor_term(vendor)
    quantity = _QUANTITY.match(text, pos)
    if quantity:
        return QuantityTerm(
            pos, quantity.end(), number=quantity.group("number"), unit=quantity.group("unit")
        )
    date = _DATE.match(text, pos)
    if date:
        return DateTerm(pos, date.end(), text=date.group("date"))
    word = _WORD.match(text, pos)
    assert word is not None  # text[pos] is not a space
    return Word(pos, word.end(), text=word.group())


def _vendor_term(match: re.Match[str]) -> VendorTerm:
    key = (match.group("qkey") or match.group("key") or "").strip()
    quoted = match.group("qvalue") is not None
    value = match.group("qvalue") if quoted else match.group("value")
    return VendorTerm(
        match.start(), match.end(), key=key, op=match.group("op"), value=value, quoted=quoted
    )


def without(text: str, term: Term) -> str:
    """The query with one term cut out (removing a chip)."""
    text = clean(text)
    return " ".join(f"{text[: term.start]} {text[term.end :]}".split())


def quote(value: str) -> str:
    """A value as a field filter takes it: quoted when it holds spaces or quotes."""
    value = value.replace('"', "")
    if value and not re.search(r'[\s:"]', value) and ".." not in value:
        return value
    return f'"{value}"'
