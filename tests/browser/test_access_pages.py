"""The access pages in a real browser: a manager shares a dataset, a reviewer without an
account opens the link, the manager deletes and restores; the facility's people, groups and
audit pages render."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import done_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_share_a_dataset_then_delete_and_restore_it(page, screenshot, personas) -> None:
    lattice = done_file(personas.dataset, original_name="lattice.dm3")
    sign_in(page, personas.manager.username)
    page.goto(personas.dataset.get_absolute_url())
    page.get_by_role("textbox", name="For (optional)").fill("Reviewer 2")
    page.get_by_label("Works for (days)").fill("5")
    page.get_by_role("button", name="Make a share link").click()
    url = page.get_by_label("Share link for Reviewer 2").input_value()
    screenshot(page, "share-link-made")

    page.context.clear_cookies()  # the reviewer: no account
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(personas.dataset.title)
    expect(page.get_by_role("note")).to_contain_text("shared with you through a link")
    screenshot(page, "shared-dataset")
    page.get_by_role("link", name="lattice.dm3").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("lattice.dm3")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download original").click()
    assert download.value.suggested_filename == "lattice.dm3"
    response = page.goto(personas.project.get_absolute_url())
    assert response is not None and response.status == 404

    sign_in(page, personas.manager.username)
    page.goto(lattice.get_absolute_url())
    page.get_by_role("button", name="Delete the file").click()
    expect(page.locator(".messages")).to_contain_text("moved to the trash")
    page.goto("/trash/")
    screenshot(page, "trash")
    page.get_by_role("button", name="Restore lattice.dm3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("lattice.dm3")


def test_facility_access_pages_render(page, screenshot, personas) -> None:
    sign_in(page, personas.facility_manager.username)
    for name in (
        "people/",
        f"people/{personas.group_member.pk}/",
        "groups/",
        "groups/electron-lab/",
        "audit/",
    ):
        response = page.goto(f"/facility/{name}")
        assert response is not None and response.status == 200, name
        screenshot(page, "facility-" + name.strip("/").replace("/", "-"))
    page.goto("/facility/audit/")
    expect(page.locator("table.data")).to_contain_text("Signed in")
