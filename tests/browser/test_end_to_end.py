"""A researcher's day in a real browser, with the real Celery worker extracting the files.

Sign in, create a project and a dataset, drop a DM3 and a TIA pair onto the page, watch the
status turn to done, open the file, see its preview and metadata tree, search the tree, add a
comment, download the file and compare its SHA-256 with the original's. Screenshots of each
step land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

DM3 = "digitalmicrograph/2D/test_STEM_image.dm3"
TIA = ["tia/new/128x128-TEM_search.emi", "tia/new/128x128-TEM_search_1.ser"]


def _drop(page, selector: str, paths: list[Path]) -> None:
    """Drop files onto an element as a user dragging them from their desktop would."""
    payload = [{"name": p.name, "b64": base64.b64encode(p.read_bytes()).decode()} for p in paths]
    transfer = page.evaluate_handle(
        """(files) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name));
            }
            return dt;
        }""",
        payload,
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_upload_extract_browse_comment_download(
    page, screenshot, samples, celery_worker, tmp_path
) -> None:
    UserFactory(username="rosalind", first_name="Rosalind", last_name="Franklin")
    sign_in(page, "rosalind")
    expect(page.get_by_role("heading", name="Welcome, Rosalind")).to_be_visible()
    screenshot(page, "01-home")

    page.get_by_role("link", name="New project").first.click()
    page.get_by_label("Name").fill("Graphene defects")
    page.get_by_label("Description").fill("Point defects in **suspended** graphene.")
    page.get_by_label("Visibility").select_option("internal")
    screenshot(page, "02-new-project")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Graphene defects")).to_be_visible()
    screenshot(page, "03-project")

    page.get_by_role("link", name="New dataset").click()
    page.get_by_label("Title").fill("Titan session 2016-08-08")
    page.get_by_label("Tags").fill("graphene, STEM")
    page.get_by_label("License").fill("CC-BY-4.0")
    page.get_by_role("button", name="Create dataset").click()
    expect(page.get_by_role("heading", name="Titan session 2016-08-08")).to_be_visible()
    screenshot(page, "04-dataset-empty")

    _drop(page, "#dropzone", [samples / DM3, *(samples / p for p in TIA)])
    rows = page.locator("#upload-list li")
    expect(rows).to_have_count(3)
    for i in range(3):
        expect(rows.nth(i)).to_have_attribute("data-state", "done", timeout=60_000)
    screenshot(page, "05-dataset-uploaded")

    table = page.locator("#file-table tbody tr")
    expect(table).to_have_count(2, timeout=30_000)  # the .ser joined its .emi
    done = page.locator("#file-table tbody tr .badge-done")
    try:
        expect(done).to_have_count(2, timeout=120_000)  # live status, without reloading the page
    except AssertionError:
        screenshot(page, "06-dataset-not-done")
        raise AssertionError(f"Not all files were extracted:\n{celery_worker.log()}") from None
    expect(page.locator("#file-table")).to_contain_text("digitalmicrograph/dm3")
    expect(page.locator("#file-table")).to_contain_text("FEI Titan")
    screenshot(page, "06-dataset-extracted")
    page.get_by_role("link", name="Gallery").click()
    expect(page.locator(".gallery img")).to_have_count(2)
    screenshot(page, "07-dataset-gallery")

    page.get_by_role("link", name="Table").click()
    page.get_by_role("link", name="test_STEM_image.dm3").click()
    image = page.locator(".viewer-stage img")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('.viewer-stage img').naturalWidth > 0")
    expect(page.locator(".kv-table")).to_contain_text("FEI Titan")
    expect(page.locator(".kv-table")).to_contain_text("keV")
    expect(page.locator(".extraction-heading")).to_contain_text("Extracted by")
    expect(page.locator("[data-tree]")).to_contain_text("ImageList")
    screenshot(page, "08-file")

    page.get_by_label("Search the vendor metadata").fill("Microscope Info")
    expect(page.locator("[data-tree-count]")).to_have_text(re.compile(r"\d+ match"))
    expect(page.locator("[data-tree] mark").first).to_be_visible()
    page.locator(".viewer-stage").focus()
    page.keyboard.press("+")
    page.keyboard.press("+")
    expect(page.locator(".zoom-level")).to_have_text(re.compile(r"\d+%"))
    screenshot(page, "09-file-tree-search-zoom")

    page.get_by_role("textbox", name="Comment").fill(
        "Vacancy at the *centre*; <script>alert(1)</script>"
    )
    page.get_by_role("button", name="Add comment").click()
    comment = page.locator(".comment .body").last
    expect(comment).to_contain_text("Vacancy at the centre")
    assert comment.locator("em").count() == 1 and comment.locator("script").count() == 0
    screenshot(page, "10-file-comment")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download original").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    original = (samples / DM3).read_bytes()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(original).hexdigest()

    page.get_by_role("link", name="Compare with…").first.click()
    screenshot(page, "11-compare-choose")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("table.diff").first).to_contain_text("Microscope")
    screenshot(page, "11-compare")

    page.goto(page.url.split("/files/")[0] + "/")
    page.go_back()
    page.get_by_role("link", name="Titan session 2016-08-08").click()
    page.get_by_role("link", name="128x128-TEM_search.emi").click()
    expect(page.locator(".viewer-stage img")).to_be_visible()
    expect(page.get_by_role("heading", name="Downloads")).to_be_visible()
    expect(page.locator("aside")).to_contain_text("128x128-TEM_search_1.ser")
    screenshot(page, "12-file-tia")
