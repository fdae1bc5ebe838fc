"""Choosing a whole folder in the browser: every file keeps its subfolder in the dataset."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from lims.files.models import InstrumentFile
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chosen_folder_keeps_its_subfolders(page, personas, samples, tmp_path) -> None:
    root = tmp_path / "session"
    for sub in ("2D", "3D"):
        (root / sub).mkdir(parents=True)
        shutil.copy(samples / "digitalmicrograph" / sub / "test-1.dm3", root / sub / "test-1.dm3")
    sign_in(page, personas.contributor.username)
    page.goto(personas.dataset.get_absolute_url())
    page.get_by_label("or a whole folder").set_input_files(root)
    expect(page.locator(".upload-list li[data-state=done]")).to_have_count(2)
    names = page.locator(".upload-list li > span:first-child").all_text_contents()
    assert sorted(name.split(" (")[0] for name in names) == [
        "session/2D/test-1.dm3",
        "session/3D/test-1.dm3",
    ]
    folders = sorted(InstrumentFile.objects.values_list("folder", flat=True))
    assert folders == ["session/2D", "session/3D"]
