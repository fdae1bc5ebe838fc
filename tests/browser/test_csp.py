"""The Content-Security-Policy: sent with every page, and obeyed by every main page (no inline
script, style or handler for the browser to refuse; the ``page`` fixture fails a test on any
violation Chromium reports)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.web.conftest import SPECTRUM, done_file, summary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_pages_obey_the_content_security_policy(page, personas) -> None:
    image = done_file(personas.dataset, original_name="lattice.dm3")
    done_file(
        personas.dataset,
        original_name="edges.msa",
        metadata=summary(kind="spectrum"),
        spectrum=SPECTRUM,
    )
    response = page.goto("/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    sign_in(page, "fiona")  # a facility manager sees every page
    pages = [
        "/",
        "/projects/",
        personas.project.get_absolute_url(),
        personas.dataset.get_absolute_url(),
        f"{personas.dataset.get_absolute_url()}?view=gallery",
        image.get_absolute_url(),
        f"/files/{image.uid}/compare/",
        "/search/?q=lattice",
        "/instruments/",
        "/trash/",
        "/accounts/",
        "/facility/",
        "/facility/people/",
        "/facility/groups/",
        "/facility/audit/",
        "/facility/operations/",
        f"/projects/{personas.project.slug}/edit/",
        f"/datasets/{personas.dataset.uid}/edit/",
    ]
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The spectrum is drawn by the page's own script, under the policy.
    page.goto(f"/files/{personas.dataset.files.get(original_name='edges.msa').uid}/")
    expect(page.locator("svg").first).to_be_visible()
    page.wait_for_load_state("networkidle")
