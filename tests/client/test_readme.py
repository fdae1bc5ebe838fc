"""The client's README example, run as written against a live server and a real worker."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

import pytest

from lims.files.models import InstrumentFile
from tests.factories import (
    DatasetFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    api_key_for,
)

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "lims_client"
sys.path.insert(0, str(CLIENT / "src"))

from lims_client import ApiError, Lims  # noqa: E402

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def readme_example() -> str:
    text = (CLIENT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.fixture
def folder(samples, tmp_path) -> Path:
    target = tmp_path / "session"
    target.mkdir()
    for name in ["example1.msa", "example2.msa"]:
        shutil.copy(samples / "msa" / name, target / name)
    return target


def test_the_readme_example_runs(live_server, celery_worker, folder, tmp_path, monkeypatch):
    user = UserFactory(username="reader")
    project = ProjectFactory(slug="client-test")
    MembershipFactory(project=project, user=user, role="contributor")
    monkeypatch.setenv("LIMS_URL", live_server.url)
    monkeypatch.setenv("LIMS_TOKEN", api_key_for(user))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    downloads = tmp_path / "downloads"
    scope = {"PROJECT": "client-test", "FOLDER": folder, "DOWNLOADS": downloads}
    exec(compile(readme_example(), "lims_client/README.md", "exec"), scope)
    import hyperspy.api as hs

    original = hs.load(folder / scope["path"].name)
    assert scope["signal"].axes_manager.signal_shape == original.axes_manager.signal_shape
    assert (scope["signal"].data == original.data).all()
    assert (downloads / "session.zip").stat().st_size > 2000
    assert sorted(f.original_name for f in InstrumentFile.objects.all()) == [
        "example1.msa",
        "example2.msa",
    ]
    # Run again: nothing is sent twice.
    again = scope["lims"].upload_folder(folder, dataset=scope["dataset"]["uid"])
    assert [r.skipped for r in again] == [True, True]


def test_chunked_uploads_resume_and_downloads_resume(live_server, tmp_path, monkeypatch, settings):
    import lims_client.client as client_module

    user = UserFactory(username="chunky")
    dataset = DatasetFactory(created_by=user)
    MembershipFactory(project=dataset.project, user=user, role="contributor")
    monkeypatch.setattr(client_module, "ONE_SHOT", 10)
    # the client sends chunks of the size the server's session asks for, not its own CHUNK
    monkeypatch.setattr(client_module, "CHUNK", 64)
    settings.LIMS_UPLOAD_CHUNK_BYTES = 1000
    lims = Lims(live_server.url, api_key_for(user), state_dir=tmp_path / "state")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 20)  # 5120 bytes: six chunks
    # An interrupted upload: the session and its first two chunks arrived.
    real_request = lims.request
    calls = {"n": 0}

    def failing(method, path, **kwargs):
        if method == "PUT":
            calls["n"] += 1
            if calls["n"] == 3:
                raise ConnectionError("cable pulled")
        return real_request(method, path, **kwargs)

    monkeypatch.setattr(lims, "request", failing)
    with pytest.raises(ConnectionError):
        lims.upload(big, dataset=str(dataset.uid))
    monkeypatch.setattr(lims, "request", real_request)
    seen: list[int] = []
    result = lims.upload(big, dataset=str(dataset.uid), progress=lambda n, d, t: seen.append(d))
    assert seen[0] == 3000 and seen[-1] == 5120  # resumed after the two chunks that arrived
    assert result.file["original_name"] == "big.bin" and not result.skipped
    # A download cut short resumes from where it stopped.
    out = tmp_path / "out"
    out.mkdir()
    (out / "big.bin.part").write_bytes(big.read_bytes()[:1234])
    path = lims.download(result.file["uid"], out)
    assert path.read_bytes() == big.read_bytes()
    with pytest.raises(ApiError) as refused:
        lims.file("00000000-0000-0000-0000-000000000000")
    assert refused.value.status == 404


def test_chunks_a_crash_of_the_server_lost_are_sent_again(
    live_server, tmp_path, monkeypatch, settings
):
    """Chunks are answered before they are on disk (the completion fsyncs): when the
    server's host crashed and lost the last of them, its 409 names where its file ends, and
    the client goes on from there in the same call."""
    from lims.files.models import UploadSession
    from lims.files.uploads.services import session_path

    user = UserFactory(username="crashed")
    dataset = DatasetFactory(created_by=user)
    MembershipFactory(project=dataset.project, user=user, role="contributor")
    monkeypatch.setattr("lims_client.client.ONE_SHOT", 10)
    settings.LIMS_UPLOAD_CHUNK_BYTES = 1000
    lims = Lims(live_server.url, api_key_for(user), state_dir=tmp_path / "state")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 20)  # 5120 bytes: six chunks
    real_request = lims.request
    sent: list[str] = []

    def crash_after_the_third_chunk(method, path, **kwargs):
        if method == "PUT":
            sent.append(kwargs["headers"]["Content-Range"])
        response = real_request(method, path, **kwargs)
        if method == "PUT" and len(sent) == 3:  # the host lost the last 500 bytes that arrived
            partial = session_path(UploadSession.objects.get())
            with partial.open("r+b") as handle:
                handle.truncate(2500)
        return response

    monkeypatch.setattr(lims, "request", crash_after_the_third_chunk)
    result = lims.upload(big, dataset=str(dataset.uid))

    assert sent[3:5] == ["bytes 3000-3999/5120", "bytes 2500-3499/5120"]
    assert result.file["sha256"] == hashlib.sha256(big.read_bytes()).hexdigest()
    stored = InstrumentFile.objects.get(uid=result.file["uid"])
    with stored.stored_file.open("rb") as handle:
        assert handle.read() == big.read_bytes()
