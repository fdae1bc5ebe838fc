"""Every page in a real browser with factory data: it renders, its scripts run, each asserts
what it is for, and axe-core finds no serious accessibility violation on it."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from extraction import extract
from tests.browser.conftest import audit, sign_in
from tests.factories import CommentFactory, InstrumentFactory
from tests.web.conftest import done_file, summary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nav_rows(page) -> int:
    """How many lines the header's navigation takes (1: nothing wrapped): its parts (brand,
    links, search, account) grouped by their vertical centres."""
    centres = sorted(
        page.locator("header nav > *, header nav li").evaluate_all(
            "parts => parts.map(p => { const r = p.getBoundingClientRect();"
            " return r.top + r.height / 2; })"
        )
    )
    return 1 + sum(1 for a, b in itertools.pairwise(centres) if b - a > 12)


def test_pages_render_and_enhance(page, screenshot, personas, samples, tmp_path) -> None:
    instrument = InstrumentFactory(name="JEOL ARM200F", microscope_names=["JEM-ARM200F"])
    files = [
        done_file(personas.dataset, original_name=f"lattice_{i:02d}.dm3", instrument=instrument)
        for i in range(3)
    ]
    # The plot's values as extraction computes them for a real EMSA file.
    extracted = extract(samples / "msa" / "example1.msa", previews_dir=tmp_path)
    values = json.loads(Path(extracted.signals[0].previews["spectrum"]).read_text())
    spectrum = done_file(
        personas.dataset,
        original_name="spectrum.msa",
        stored_file=ContentFile((samples / "msa" / "example1.msa").read_bytes(), name="s.msa"),
        metadata=summary(kind="spectrum", technique="EELS", magnification=None, elements=["O"]),
        format_label="msa/msa",
        spectrum=values,
    )
    CommentFactory(dataset=personas.dataset, author=personas.viewer, body="Nice **fringes**.")
    sign_in(page, personas.manager.username)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page)
    screenshot(page, "home")

    page.goto(personas.project.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(personas.project.name)
    audit(page)
    screenshot(page, "project")

    page.goto(personas.dataset.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(personas.dataset.title)
    expect(page.locator("#file-table tbody tr")).to_have_count(4)
    expect(page.locator(".summary-figures dd").first).to_have_text("4")
    audit(page)
    screenshot(page, "dataset")
    page.get_by_role("link", name="Gallery").click()
    expect(page.locator(".gallery li")).to_have_count(4)
    # The gallery without a mouse: arrow keys move between the files, Enter opens one.
    page.locator(".gallery a").first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".gallery a").nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(page.locator(".gallery a").last).to_be_focused()
    page.keyboard.press("Home")
    expect(page.locator(".gallery a").first).to_be_focused()
    audit(page)
    screenshot(page, "dataset-gallery")

    page.goto(files[0].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("lattice_00.dm3")
    # Next and previous file from the keyboard.
    page.keyboard.press("n")
    expect(page.get_by_role("heading", level=1)).to_have_text("lattice_01.dm3")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("heading", level=1)).to_have_text("lattice_00.dm3")
    page.wait_for_function("() => document.querySelector('.viewer-stage img').naturalWidth > 0")
    page.get_by_label("Search the vendor metadata").fill("voltage")
    expect(page.locator("[data-tree-count]")).to_have_text("1 match")
    page.locator(".viewer-stage").focus()
    page.keyboard.press("+")
    expect(page.locator(".zoom-level")).to_have_text(re.compile(r"^\d+%$"))
    audit(page)
    screenshot(page, "file")

    page.goto(spectrum.get_absolute_url())
    expect(page.locator(".spectrum svg path.trace")).to_have_count(1)
    expect(page.locator(".spectrum .readout")).to_contain_text("points")
    page.locator(".spectrum svg rect").last.hover()
    expect(page.locator(".spectrum .readout")).to_contain_text("Counts")
    # The oxygen K edge (532 eV) is marked inside the 520-540 eV range of the file.
    expect(page.locator(".spectrum .markers text")).to_have_text(["O K"])
    page.get_by_label("Log scale").check()
    expect(page.locator(".spectrum .axis text").last).to_have_text("Counts (log scale)")
    page.get_by_label("Mark the edges of O").uncheck()
    expect(page.locator(".spectrum .markers")).to_have_count(0)
    audit(page)
    screenshot(page, "file-spectrum")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, portrait
    page.goto(personas.dataset.get_absolute_url())
    assert _nav_rows(page) == 1
    expect(page.locator("#file-table")).to_be_visible()
    audit(page)
    screenshot(page, "tablet-dataset")
    page.goto(files[0].get_absolute_url())
    assert _nav_rows(page) == 1
    expect(page.locator(".viewer-stage img")).to_be_visible()
    screenshot(page, "tablet-file")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"/files/{files[0].uid}/compare/?with={files[1].uid}&all=1")
    expect(page.locator(".compare-pane img")).to_have_count(2)
    page.locator(".compare-pane .viewer-stage").first.focus()
    page.keyboard.press("+")
    # Both previews zoomed together.
    expect(page.locator(".compare-pane .viewer-stage.zoomed")).to_have_count(2)
    audit(page)
    screenshot(page, "compare")

    response = page.goto("/no/such/page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Nothing here")
    audit(page)
    screenshot(page, "404")

    sign_in(page, personas.facility_manager.username)
    headings = {
        "": "Facility",
        "projects/": "All projects",
        "people/": "People",
        "failed/": "Failed extractions",
    }
    for name, heading in headings.items():
        page.goto(f"/facility/{name}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        audit(page)
        screenshot(page, f"facility-{name.strip('/') or 'dashboard'}")
    page.goto("/instruments/")
    expect(page.get_by_role("cell", name="JEOL ARM200F")).to_be_visible()
    audit(page)
    screenshot(page, "instruments")
