"""What the file page must never show: placeholder axis names, 1.3000e+06 beside 225000,
100000 µs, empty groups at the top of a vendor tree."""

from __future__ import annotations

import json

import pytest

from lims.core.templatetags.lims_ui import format_number, metadata_tree
from tests.html import page, texts
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"
TIMES = "\u00d7"

TIA_SIGNAL = {
    "index": 0,
    "title": "",
    "kind": "image_stack",
    "navigation_shape": [5],
    "signal_shape": [128, 128],
    "dtype": "int16",
    "axes": [
        {"name": "<undefined>", "size": 5, "scale": 100000, "units": "µs", "navigate": True},
        {
            "name": "<undefined>",
            "size": 128,
            "scale": 2e-9,
            "offset": -1.28e-7,
            "units": "m",
            "navigate": False,
        },
        {"name": "<undefined>", "size": 128, "scale": 2e-9, "units": "m", "navigate": False},
    ],
}


def test_axes_have_names_and_readable_units(client, personas) -> None:
    file = done_file(personas.dataset, signals=[{**TIA_SIGNAL, "metadata": {}}])
    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    rows = [tuple(texts(tr, "th, td")) for tr in soup.select(".kv-table tr")]
    axes = [row for row in rows if row[0].startswith("Axis")]
    assert axes == [
        ("Axis frame (navigation)", f"5 {TIMES} 100", "ms"),
        ("Axis y", f"128 {TIMES} 2, from -128", "nm"),
        ("Axis x", f"128 {TIMES} 2", "nm"),
    ]
    assert "<undefined>" not in soup.get_text()


def test_vendor_tree_numbers_and_empty_groups() -> None:
    tree = {"root": {}, "ObjectInfo": {"Magnification": 1.3e6, "Other": 225000.0, "Id": 3678}}
    soup = page(str(metadata_tree(tree)))
    assert texts(soup, "li li") == [
        f"Magnification : 1{NNBSP}300{NNBSP}000",
        f"Other : 225{NNBSP}000",
        "Id : 3678",
    ]
    assert texts(soup, "summary .k") == ["ObjectInfo"]  # no "root: {}" above it


def test_one_number_style_everywhere() -> None:
    assert [format_number(v) for v in [1.3e6, 225000.0, 225000, 1234, 5, 0.05998, 1e-5]] == [
        f"1{NNBSP}300{NNBSP}000",
        f"225{NNBSP}000",
        f"225{NNBSP}000",
        f"1{NNBSP}234",
        "5",
        "0.05998",
        f"1{TIMES}10⁻⁵",
    ]


def test_a_spectrum_names_the_lines_of_the_elements_the_file_says(client, personas) -> None:
    from tests.web.conftest import SPECTRUM, summary

    metadata = summary(kind="spectrum", technique="EDS", elements=["Cu"], magnification=None)
    file = done_file(personas.dataset, metadata=metadata, spectrum=SPECTRUM)
    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    markers = json.loads(soup.select_one(".spectrum")["data-markers"])
    assert [m["label"] for m in markers] == [
        "Cu L\u03b1",
        "Cu L\u03b21",
        "Cu K\u03b1",
        "Cu K\u03b2",
    ]
    assert texts(soup, ".spectrum-tools label") == ["Log scale", "Mark the X-ray lines of Cu"]
