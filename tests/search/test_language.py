"""The query language: what each term reads as, units through pint, problems with suggestions,
and a parser that never fails, whatever is typed (fuzzed)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lims.search.compile import compile_query, tsquery
from lims.search.language import (
    DateTerm,
    FieldTerm,
    QuantityTerm,
    VendorTerm,
    Word,
    parse,
    without,
)


def test_the_issue_query_reads_term_by_term() -> None:
    text = (
        'titan "lattice fringes" microscope:titan technique:STEM kv:200..300 mag:>1M '
        "acquired:2024-03.. kind:image 200 kV 2024-03"
    )
    terms = parse(text)
    assert [type(t) for t in terms] == [
        Word,
        Word,
        FieldTerm,
        FieldTerm,
        FieldTerm,
        FieldTerm,
        FieldTerm,
        FieldTerm,
        QuantityTerm,
        DateTerm,
    ]
    assert terms[1] == Word(6, 23, text="lattice fringes", phrase=True)
    assert terms[4].name == "kv" and terms[4].value == "200..300"
    assert terms[8].number == "200" and terms[8].unit == "kV"


@pytest.mark.parametrize(
    ("text", "key", "op", "value"),
    [
        (
            "ImageTags.Microscope Info.Voltage >= 200000",
            "ImageTags.Microscope Info.Voltage",
            ">=",
            "200000",
        ),
        ('titan "Tecnai.Microscope Info.Spot" = 2', "Tecnai.Microscope Info.Spot", "=", "2"),
        ('Acquisition.Mode != "HAADF image"', "Acquisition.Mode", "!=", "HAADF image"),
    ],
)
def test_vendor_keys_with_spaces(text: str, key: str, op: str, value: str) -> None:
    vendor = [t for t in parse(text) if isinstance(t, VendorTerm)]
    assert len(vendor) == 1
    assert (vendor[0].key, vendor[0].op, vendor[0].value) == (key, op, value)


@pytest.mark.parametrize(
    ("text", "field", "low", "high"),
    [
        ("200 kV", "beam_energy", 199_500.0, 200_500.0),
        ("300kV", "beam_energy", 299_500.0, 300_500.0),
        ("200 keV", "beam_energy", 199_500.0, 200_500.0),
        ("kv:200", "beam_energy", 199_500.0, 200_500.0),
        ("0.1 nm", "pixel_size", 0.05e-9, 0.15e-9),
        ("pixel:2.5A", "pixel_size", 2.45e-10, 2.55e-10),
        ("1 Mx", "magnification", 0.5e6, 1.5e6),
        ("mag:50k", "magnification", 49_500.0, 50_500.0),
        ("exposure:2ms", "exposure_time", 1.5e-3, 2.5e-3),
    ],
)
def test_quantities_with_units(text: str, field: str, low: float, high: float) -> None:
    query = compile_query(text, postgres=True)
    assert not query.problems and not query.words
    (condition,) = query.conditions
    assert condition.field_name == field
    children = dict(condition.q.children)
    assert children[f"{field}__gte"] == pytest.approx(low)
    assert children[f"{field}__lte"] == pytest.approx(high)


def test_comparisons_and_open_ranges() -> None:
    (mag,) = compile_query("mag:>1M", postgres=True).conditions
    assert dict(mag.q.children) == {"magnification__gt": 1e6}
    (kv,) = compile_query("kv:200..", postgres=True).conditions
    assert dict(kv.q.children) == {"beam_energy__gte": 199_500.0}
    (bucket,) = compile_query("mag:10k..<100k", postgres=True).conditions
    assert dict(bucket.q.children) == {
        "magnification__gte": 10_000.0,
        "magnification__lt": 100_000.0,
    }


def test_dates_are_periods() -> None:
    (month,) = compile_query("acquired:2024-03", postgres=True).conditions
    children = dict(month.q.children)
    assert children["acquired_at__gte"].isoformat().startswith("2024-03-01T00:00:00")
    assert children["acquired_at__lt"].isoformat().startswith("2024-04-01T00:00:00")
    (since,) = compile_query("acquired:2024-12..", postgres=True).conditions
    assert list(dict(since.q.children)) == ["acquired_at__gte"]


def test_same_field_or_other_fields_and() -> None:
    query = compile_query("technique:STEM technique:TEM kind:image", postgres=True)
    combined = query.filter()
    assert combined.connector == "AND" and len(combined.children) == 2
    assert query.filter(except_field="technique").children == [("kind__iexact", "image")]


@pytest.mark.parametrize(
    ("text", "message", "suggestion"),
    [
        (
            "micrsocope:titan",
            "no field “micrsocope”. Did you mean “microscope”",
            "microscope:titan",
        ),
        ("graphene technique:STM", "“STM” is not a technique", "graphene technique:STEM"),
        ("kv:fast", "'fast' is not a number", None),
        ("kv:200 parsecs", None, None),  # a unit of no quantity we know: words
        ("mag:2nm", "is no magnification", None),
        ("acquired:2024-13", "is not a date", None),
        ("kv:300..200", "is empty", None),
        ("Tecnai.Spot > high", "compares with a number only", None),
    ],
)
def test_problems_say_what_and_suggest(text: str, message: str | None, suggestion: str | None):
    problems = compile_query(text, postgres=True).problems
    if message is None:
        assert problems == []
        return
    assert len(problems) == 1 and message in problems[0].message
    assert problems[0].suggestion == suggestion


def test_words_become_prefix_tsqueries() -> None:
    query = compile_query('SI_0012.dm3 "lattice fringes" graph', postgres=True)
    assert tsquery(query.words) == "(si <-> 0012 <-> dm3:*) & (lattice <-> fringes) & graph:*"
    assert tsquery(parse("&|!:*()'")) == ""


def test_removing_a_chip_cuts_its_term() -> None:
    text = "titan kv:200..300 kind:image"
    kv = parse(text)[1]
    assert without(text, kv) == "titan kind:image"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_the_parser_never_fails(text: str) -> None:
    query = compile_query(text, postgres=True)
    for condition in query.conditions:
        assert condition.q is not None
    tsquery(query.words)
    compile_query(text, postgres=False)


_fragments = st.sampled_from(
    [
        "kv:",
        "200",
        "..",
        "<",
        ">=",
        "mag:",
        "1M",
        "x",
        '"',
        ".",
        "Voltage",
        "ImageTags.A B",
        "=",
        " ",
        "acquired:",
        "2024-03",
        "-",
        "nm",
        "kV",
        "µm",
        ":",
        "microscope:",
        "tag:",
        "dataset:",
        "project:",
        "e9",
        "1e400",
        "\x00",
        "ß",
        "技术",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_fragments, max_size=12).map("".join))
def test_the_parser_never_fails_on_near_misses(text: str) -> None:
    query = compile_query(text, postgres=True)
    assert isinstance(query.problems, list)
