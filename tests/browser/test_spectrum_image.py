"""A spectrum image in the browser: the map of its scan positions, a click (or the keyboard)
plots one position's spectrum; an image stack's slider steps through its frames; a 4D-STEM
scan shows the diffraction pattern of the position chosen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lims.files.ingest.services import file_ingest
from lims.files.runs.execute import extraction_run_execute
from lims.files.runs.services import extraction_queue
from tests.browser.conftest import audit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _extracted(personas, *paths):
    file = None
    for path in paths:
        file = file_ingest(
            dataset=personas.dataset, upload=path, user=personas.contributor, queue_extraction=False
        ).file
    assert extraction_run_execute(run_id=extraction_queue(file=file).pk) == "done"
    return file


def test_spectrum_image_positions_and_stack_frames(page, personas, samples, worker_manager) -> None:
    # The runs are executed here; a worker left running by an earlier test must not take their
    # messages (sent on commit) and hold them ("running elsewhere").
    worker_manager.stop_shared()
    folder = samples / "tia" / "new"
    si = _extracted(
        personas,
        folder / "16x16-spectrum_image_5x5x4000-not_square_1.ser",
        folder / "16x16-spectrum_image_5x5x4000-not_square.emi",
    )
    stack = _extracted(personas, samples / "digitalmicrograph" / "test_stackbuilder_imagestack.dm3")
    scan = _extracted(personas, samples / "emd" / "Si100_4D.emd")
    sign_in(page, personas.viewer.username)

    page.goto(si.get_absolute_url())
    positions = page.locator("[data-si-map] button")
    expect(positions).to_have_count(25)
    expect(page.locator(".spectrum .readout")).to_contain_text("summed over every position")
    page.get_by_role("button", name="Position row 3, column 4").click()
    expect(page.locator(".spectrum .readout")).to_contain_text("1000 points at row 3, column 4")
    expect(page.get_by_role("button", name="Position row 3, column 4")).to_have_attribute(
        "aria-pressed", "true"
    )
    # From the keyboard: arrows move between positions, Enter chooses.
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("button", name="Position row 4, column 4")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".spectrum .readout")).to_contain_text("at row 4, column 4")
    page.get_by_role("button", name="Sum of all positions").click()
    expect(page.locator(".spectrum .readout")).to_contain_text("summed over every position")
    audit(page)

    page.goto(stack.get_absolute_url())
    expect(page.locator("#frame-label")).to_have_text("2 of 3")
    page.locator("#frame-slider").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#frame-label")).to_have_text("3 of 3")
    expect(page.locator(".viewer-stage img")).to_have_attribute("alt", "Frame 3 of 3")
    page.wait_for_function("() => document.querySelector('.viewer-stage img').naturalWidth > 0")
    audit(page)

    page.goto(scan.get_absolute_url())
    expect(page.locator(".scan-explorer [data-si-map] button")).to_have_count(121)
    page.get_by_role("button", name="Position row 6, column 6").click()
    expect(page.locator("[data-pattern-caption]")).to_have_text(
        "Diffraction pattern at row 6, column 6"
    )
    page.wait_for_function("() => document.querySelector('[data-pattern]').naturalWidth === 8")
    audit(page)
