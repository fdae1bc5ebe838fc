"""The file page follows extraction live: the status updates and the results appear unasked."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from lims.files.models import ExtractionStatus
from tests.browser.conftest import sign_in
from tests.factories import InstrumentFileFactory
from tests.web.conftest import PNG, summary, vendor_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_status_turns_to_done_without_reloading(page, screenshot, personas) -> None:
    file = InstrumentFileFactory(
        dataset=personas.dataset, original_name="arriving.dm3", status=ExtractionStatus.RUNNING
    )
    sign_in(page, personas.viewer.username)
    page.goto(file.get_absolute_url())
    status = page.locator("#file-status")
    expect(status).to_contain_text("Running")
    expect(page.locator(".viewer-empty")).to_contain_text("appears when extraction is done")
    screenshot(page, "running")

    # The worker finishes: results stored, status done.
    file.metadata = summary()
    file.original_metadata = {"signals": [vendor_tree()]}
    file.preview.save("preview.png", ContentFile(PNG), save=False)
    file.status = ExtractionStatus.DONE
    file.save()

    expect(page.locator("#file-status")).to_contain_text("Done", timeout=15_000)
    expect(page.locator(".viewer-stage img")).to_be_visible()
    expect(page.locator("[data-tree]")).to_contain_text("Microscope Info")
    screenshot(page, "done")
