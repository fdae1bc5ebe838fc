"""The dataset page: browsing by folder or flat with the folder shown, and the summary (counts
by kind, technique and instrument, dates, size, failures and why)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lims.core.storage import safe_folder
from lims.files.models import ExtractionStatus
from tests.factories import InstrumentFactory, InstrumentFileFactory
from tests.html import one, page, texts
from tests.web.conftest import done_file, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(personas):
    """Three test-1.dm3 in three folders, one file at the top, one failed file."""
    for folder in ["1D", "2D", "3D/tilt"]:
        done_file(personas.dataset, original_name="test-1.dm3", folder=folder, size=1000)
    done_file(
        personas.dataset,
        original_name="overview.tif",
        size=2000,
        metadata=summary(microscope="Helios", technique="SEM", kind="image"),
        acquired_at=dt.datetime(2016, 2, 1, 9, 0, tzinfo=dt.UTC),
    )
    InstrumentFileFactory(
        dataset=personas.dataset,
        original_name="broken.dm3",
        folder="2D",
        size=500,
        status=ExtractionStatus.FAILED,
        status_message="The file ends before its tag directory.",
    )
    return personas.dataset


def test_flat_list_shows_each_files_folder(client, personas, tree) -> None:
    client.force_login(personas.viewer)
    soup = page(client.get(tree.get_absolute_url()))
    assert texts(soup, "#file-table td.name") == [
        "overview.tif",
        "1D/ test-1.dm3",
        "2D/ broken.dm3",
        "2D/ test-1.dm3",
        "3D/tilt/ test-1.dm3",
    ]
    gallery = page(client.get(tree.get_absolute_url(), {"view": "gallery"}))
    assert texts(gallery, ".gallery .caption .folder-prefix") == ["1D/", "2D/", "2D/", "3D/tilt/"]


def test_browsing_by_folder(client, personas, tree) -> None:
    client.force_login(personas.viewer)
    url = tree.get_absolute_url()
    top = page(client.get(url, {"layout": "folders"}))
    assert texts(top, ".folder-list li") == ["1D 1 file", "2D 2 files", "3D 1 file"]
    assert texts(top, "#file-table td.name") == ["overview.tif"]

    three = page(client.get(url, {"layout": "folders", "folder": "3D"}))
    assert texts(three, ".folder-trail li") == [tree.title, "3D"]
    assert texts(three, ".folder-list li") == ["tilt 1 file"]
    assert three.select("#file-table") == []  # no file directly in 3D, and no "empty" notice
    assert three.select(".empty") == []

    tilt = page(client.get(url, {"layout": "folders", "folder": "3D/tilt", "view": "gallery"}))
    assert texts(tilt, ".gallery .caption") == ["test-1.dm3 digitalmicrograph/dm3"]
    # Hostile folder parameters are made safe, never a 500.
    assert client.get(url, {"layout": "folders", "folder": "../../etc"}).status_code == 200
    assert safe_folder("a\\..\\b//./c/") == "a/b/c"


def test_the_compare_chooser_tells_same_named_files_apart(client, personas, tree) -> None:
    client.force_login(personas.viewer)
    file = tree.files.get(original_name="test-1.dm3", folder="1D")
    soup = page(client.get(reverse("files:compare", args=[file.uid])))
    assert texts(soup, "#compare-with option") == [
        "overview.tif",
        "2D/broken.dm3",
        "2D/test-1.dm3",
        "3D/tilt/test-1.dm3",
    ]


def test_dataset_summary(client, personas, tree) -> None:
    InstrumentFactory(name="JEOL ARM200F")
    arm = tree.files.filter(original_name="test-1.dm3").first()
    arm.instrument = InstrumentFactory(name="ARM in B12")
    arm.save()
    client.force_login(personas.viewer)
    soup = page(client.get(tree.get_absolute_url()))
    card = one(soup, ".dataset-summary")
    terms, values = texts(card, ".summary-figures dt"), texts(card, ".summary-figures dd")
    figures = dict(zip(terms, values, strict=True))
    assert figures == {
        "Files": "5",
        "Total size": "5.4\xa0KB",
        "Acquired": "17 May 2015 \u2013 1 Feb 2016",
        "Folders": "4",
    }
    columns = {
        text: texts(col, "li")
        for col in card.select(".summary-columns > div")
        for text in [col.h3.get_text()]
    }
    assert columns == {
        "Kind": ["image 4"],
        "Technique": ["TEM 3", "SEM 1"],
        "Instrument": ["JEM-ARM200F 2", "ARM in B12 1", "Helios 1"],
    }
    assert texts(card, ".summary-failures h3") == ["1 failed"]
    assert texts(card, ".summary-failures li") == ["The file ends before its tag directory. 1"]


def test_previous_and_next_file_follow_the_dataset_order(client, personas, tree) -> None:
    client.force_login(personas.viewer)
    files = {f.path_in_dataset: f for f in tree.files.all()}
    soup = page(client.get(files["2D/broken.dm3"].get_absolute_url()))
    assert one(soup, 'a[rel="prev"]')["href"] == files["1D/test-1.dm3"].get_absolute_url()
    assert one(soup, 'a[rel="next"]')["href"] == files["2D/test-1.dm3"].get_absolute_url()
    assert texts(soup, ".file-pager a") == [
        "← Previous file: 1D/test-1.dm3",
        "Next file: 2D/test-1.dm3 →",
    ]
    first = page(client.get(files["overview.tif"].get_absolute_url()))
    assert first.select('a[rel="prev"]') == []
    last = page(client.get(files["3D/tilt/test-1.dm3"].get_absolute_url()))
    assert last.select('a[rel="next"]') == []
