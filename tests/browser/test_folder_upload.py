"""Choosing a whole folder in the browser: every file keeps its subfolder in the dataset."""

from __future__ import annotations

import hashlib
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


def chunks_sent(page) -> list[str]:
    """The Content-Range of every chunk the page sends, as it sends them."""
    chunks: list[str] = []
    page.on(
        "request",
        lambda r: (
            chunks.append(r.headers.get("content-range", ""))
            if r.method == "PUT" and "/uploads/" in r.url
            else None
        ),
    )
    return chunks


def upload_one(page, personas, source) -> None:
    """The contributor drops ``source`` on the dataset's page; it arrives whole."""
    sign_in(page, personas.contributor.username)
    page.goto(personas.dataset.get_absolute_url())
    page.get_by_label("Files to upload").set_input_files(source)
    expect(page.locator(".upload-list li[data-state=done]")).to_have_count(1)
    stored = InstrumentFile.objects.get(original_name=source.name)
    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_the_page_sends_chunks_of_the_size_the_server_asks_for(
    page, personas, samples, settings
) -> None:
    settings.LIMS_UPLOAD_CHUNK_BYTES = 32 * 1024
    source = samples / "digitalmicrograph" / "2D" / "test_STEM_image.dm3"  # 96,400 bytes
    chunks = chunks_sent(page)
    upload_one(page, personas, source)
    assert chunks == ["bytes 0-32767/96400", "bytes 32768-65535/96400", "bytes 65536-96399/96400"]


def test_the_page_sends_again_what_a_crash_of_the_server_lost(
    page, personas, samples, settings, monkeypatch
) -> None:
    """Chunks are answered before they are on disk: when the server's host crashed before
    the completion and lost the last of them, the completion's 409 names where the file
    ends, and the page sends the rest again."""
    from lims.files.models import UploadSession
    from lims.files.uploads import services

    settings.LIMS_UPLOAD_CHUNK_BYTES = 32 * 1024
    source = samples / "digitalmicrograph" / "2D" / "test_STEM_image.dm3"  # 96,400 bytes
    chunks = chunks_sent(page)
    real_complete = services.upload_session_complete
    crashed: list[bool] = []

    def crash_then_complete(*, session, user):
        if not crashed:  # the host lost the last 10,000 bytes after they were answered
            crashed.append(True)
            with services.session_path(session).open("r+b") as handle:
                handle.truncate(session.size - 10_000)
        return real_complete(session=session, user=user)

    monkeypatch.setattr("lims.api.views.uploads.upload_session_complete", crash_then_complete)
    upload_one(page, personas, source)
    assert crashed and chunks[3:] == ["bytes 86400-96399/96400"]
    assert UploadSession.objects.get().status == "complete"
