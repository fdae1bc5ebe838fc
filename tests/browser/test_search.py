"""The search page in a real browser: words and fields in one box, chips, facets that narrow
and count, the gallery."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import audit, sign_in
from tests.search import conftest as search_fixtures

# The real extracted files of the search tests.
extracted = search_fixtures.extracted
add_file = search_fixtures.add_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_narrow_by_facets_and_remove_chips(page, personas, add_file, screenshot) -> None:
    add_file(personas.dataset, "stem")
    add_file(personas.dataset, "diffraction")
    sign_in(page, personas.viewer.username)
    page.goto("/search/")
    box = page.get_by_label("Search for")
    box.fill("200 kV")
    box.press("Enter")
    count = page.locator(".results-count [data-count]")
    expect(count).to_have_text("2")
    technique = page.locator("section.facet", has=page.get_by_role("heading", name="Technique"))
    expect(technique.get_by_role("link")).to_have_count(2)
    technique.get_by_role("link", name="STEM").click()
    expect(count).to_have_text("1")
    expect(page.locator(".chips")).to_contain_text("Technique: STEM")
    expect(page.get_by_role("link", name="test_STEM_image.dm3")).to_be_visible()
    # Both values of a facet: OR.
    technique = page.locator("section.facet", has=page.get_by_role("heading", name="Technique"))
    technique.get_by_role("link", name=re.compile(r"^TEM ")).click()
    expect(count).to_have_text("2")
    screenshot(page, "search-facets")
    audit(page)
    page.get_by_role("link", name="Remove Technique: STEM").click()
    expect(page.locator(".chips")).not_to_contain_text("Technique: STEM")
    expect(count).to_have_text("1")
    page.get_by_role("link", name="Gallery").click()
    expect(page.locator(".gallery li")).to_have_count(1)
    screenshot(page, "search-gallery")
    audit(page)


def test_a_typo_offers_the_fix(page, personas, add_file) -> None:
    add_file(personas.dataset, "stem")
    sign_in(page, personas.viewer.username)
    page.goto("/search/?q=micrsocope:titan")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Did you mean “microscope”?")
    alert.get_by_role("link", name="Search for that instead").click()
    expect(page.locator(".results-count [data-count]")).to_have_text("1")
