"""Every page in a real browser with factory data: it renders, its scripts run, it looks right."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from extraction import extract
from tests.browser.conftest import sign_in
from tests.factories import CommentFactory, InstrumentFactory
from tests.web.conftest import done_file, summary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        metadata=summary(kind="spectrum", technique="EDS", magnification=None),
        format_label="msa/msa",
        spectrum=values,
    )
    CommentFactory(dataset=personas.dataset, author=personas.viewer, body="Nice **fringes**.")
    sign_in(page, personas.manager.username)
    screenshot(page, "home")

    page.goto(personas.project.get_absolute_url())
    screenshot(page, "project")

    page.goto(personas.dataset.get_absolute_url())
    assert page.locator("#file-table tbody tr").count() == 4
    screenshot(page, "dataset")
    page.get_by_role("link", name="Gallery").click()
    screenshot(page, "dataset-gallery")

    page.goto(files[0].get_absolute_url())
    page.get_by_label("Search the vendor metadata").fill("voltage")
    expect(page.locator("[data-tree-count]")).to_have_text("1 match")
    page.locator(".viewer-stage").focus()
    page.keyboard.press("+")
    expect(page.locator(".zoom-level")).to_have_text(re.compile(r"\d+%"))
    screenshot(page, "file")

    page.goto(spectrum.get_absolute_url())
    expect(page.locator(".spectrum svg path.trace")).to_have_count(1)
    expect(page.locator(".spectrum .readout")).to_contain_text("points")
    page.locator(".spectrum svg rect").last.hover()
    expect(page.locator(".spectrum .readout")).to_contain_text("Counts")
    screenshot(page, "file-spectrum")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, portrait
    page.goto(personas.dataset.get_absolute_url())
    screenshot(page, "tablet-dataset")
    page.goto(files[0].get_absolute_url())
    screenshot(page, "tablet-file")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"/files/{files[0].uid}/compare/?with={files[1].uid}&all=1")
    screenshot(page, "compare")
    page.goto("/search/?q=lattice")
    screenshot(page, "search")
    page.goto("/no/such/page/")
    screenshot(page, "404")

    sign_in(page, personas.facility_manager.username)
    for name in ("", "projects/", "people/", "failed/"):
        page.goto(f"/facility/{name}")
        screenshot(page, f"facility-{name.strip('/') or 'dashboard'}")
    page.goto("/instruments/")
    screenshot(page, "instruments")
