"""Every shared sample through the API and a real Celery worker, to ``done`` or ``failed``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from lims.files.models import InstrumentFile, RunStatus
from tests.factories import (
    DatasetFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    api_key_for,
)
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FINAL = {"done", "failed", "unsupported"}


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


def _upload(client: APIClient, dataset, path: Path):
    with path.open("rb") as handle:
        data = handle.read()
    return client.post(
        "/api/files/",
        {"dataset": str(dataset.uid), "file": SimpleUploadedFile(path.name, data)},
        format="multipart",
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def contributor_and_dataset(db):
    user = UserFactory(username="uploader")
    project = ProjectFactory()
    MembershipFactory(project=project, user=user, role="contributor")
    return user, DatasetFactory(project=project, created_by=user)


def _wait_all_final(dataset, expected: int, timeout: float = 240) -> list[InstrumentFile]:
    def settled():
        files = list(dataset.files.all())
        if len(files) == expected and all(f.status in FINAL for f in files):
            return files
        return None

    return wait_for(settled, timeout=timeout, interval=0.5, what="every file to be extracted")


def test_every_shared_sample_ends_done_with_metadata_and_previews(
    samples, celery_worker, contributor_and_dataset
):
    user, dataset = contributor_and_dataset
    client = _client(user)
    manifest = json.loads((samples / "manifest.json").read_text())
    expected = {entry["path"]: entry for entry in manifest["files"]}
    paths = sorted(
        p
        for p in samples.rglob("*")
        if p.is_file() and "bad" not in p.relative_to(samples).parts and p.parent != samples
    )
    for path in paths:
        response = _upload(client, dataset, path)
        assert response.status_code == 201, (path, response.content)

    files = _wait_all_final(dataset, expected=len(expected))
    by_name: dict[str, list[InstrumentFile]] = {}
    for instrument_file in files:
        by_name.setdefault(instrument_file.original_name, []).append(instrument_file)
    problems = [
        f"{f.original_name}: {f.status} {f.status_message}" for f in files if f.status != "done"
    ]
    assert not problems, problems

    for relative, entry in expected.items():
        primary = samples / relative
        candidates = by_name[primary.name]
        instrument_file = next(f for f in candidates if f.sha256 == entry["sha256"])
        # Metadata and previews are there, and the run says so.
        assert instrument_file.metadata["signal_count"] == len(entry["signals"]), relative
        assert len(instrument_file.signals) == len(entry["signals"])
        assert "original_metadata" not in instrument_file.signals[0]
        assert len(instrument_file.original_metadata["signals"]) == len(entry["signals"])
        assert instrument_file.format_label and instrument_file.reader
        assert instrument_file.extractor_version
        assert instrument_file.previews.count() == len(entry["signals"])
        assert instrument_file.thumbnail, (relative, instrument_file.metadata.get("warnings"))
        run = instrument_file.runs.order_by("-id").first()
        assert run.status == RunStatus.DONE and run.duration_s is not None
        # What HyperSpy reads, the LIMS shows.
        first = entry["signals"][0]
        if first.get("beam_energy_keV") is not None and instrument_file.metadata.get(
            "beam_energy_keV"
        ):
            assert instrument_file.metadata["beam_energy_keV"] == pytest.approx(
                first["beam_energy_keV"], rel=1e-3
            )

    # The .emi files carry their .ser files as companions, read together.
    emi = next(f for f in files if f.original_name == "16x16_STEM_BF_DF_acquire.emi")
    assert sorted(c.original_name for c in emi.companions.all()) == [
        "16x16_STEM_BF_DF_acquire_1.ser",
        "16x16_STEM_BF_DF_acquire_2.ser",
    ]
    assert emi.metadata["signal_count"] == 2

    # Previews and originals download through the permission-checked URLs.
    some = files[0]
    response = client.get(f"/files/{some.uid}/thumbnail.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    outsider = _client(UserFactory(username="outsider"))
    assert outsider.get(f"/files/{some.uid}/thumbnail.png").status_code == 404
    response = client.get(f"/api/files/{emi.uid}/")
    assert response.status_code == 200
    assert response.json()["previews"][0]["thumbnail_url"].endswith("/thumbnail.png")


def test_bad_files_end_failed_with_a_message_and_stay_downloadable(
    samples, celery_worker, contributor_and_dataset
):
    user, dataset = contributor_and_dataset
    client = _client(user)
    bad = sorted(p for p in (samples / "bad").iterdir() if p.is_file())
    uploaded = {}
    for path in bad:
        response = _upload(client, dataset, path)
        assert response.status_code == 201, (path, response.content)
        uploaded[response.json()["uid"]] = path

    # bad/truncated_hdf5.emd is, byte for byte, a copy of the readable emd/example_image.emd.
    manifest = json.loads((samples / "manifest.json").read_text())
    readable = {entry["sha256"] for entry in manifest["files"]}
    files = _wait_all_final(dataset, expected=len(bad))
    failed = 0
    for instrument_file in files:
        path = uploaded[str(instrument_file.uid)]
        run = instrument_file.runs.get()
        if instrument_file.sha256 in readable:
            assert instrument_file.status == "done", path
            continue
        failed += 1
        assert instrument_file.status in {"failed", "unsupported"}, path
        assert instrument_file.status_message, path
        assert run.status in {RunStatus.FAILED, RunStatus.UNSUPPORTED}
        assert run.message == instrument_file.status_message
    assert failed >= len(bad) - 1
    for instrument_file in files:
        path = uploaded[str(instrument_file.uid)]
        # Nothing is ever lost: the bytes come back exactly as they went in.
        response = client.get(f"/files/{instrument_file.uid}/download/")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert _sha256(body) == _sha256(path.read_bytes())
        assert path.name in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]


def test_reextraction_records_a_new_run_and_the_file_follows_it(
    samples, celery_worker, contributor_and_dataset
):
    user, dataset = contributor_and_dataset
    manager = UserFactory(username="boss")
    MembershipFactory(project=dataset.project, user=manager, role="manager")
    response = _upload(_client(user), dataset, samples / "msa" / "example1.msa")
    uid = response.json()["uid"]
    _wait_all_final(dataset, expected=1)

    assert _client(user).post(f"/api/files/{uid}/reextract/").status_code == 403
    response = _client(manager).post(f"/api/files/{uid}/reextract/")
    assert response.status_code == 202

    def two_runs_done():
        runs = list(InstrumentFile.objects.get(uid=uid).runs.order_by("id"))
        return runs if len(runs) == 2 and runs[-1].status == RunStatus.DONE else None

    runs = wait_for(two_runs_done, timeout=120, what="the second run")
    assert runs[0].status == RunStatus.DONE
    assert InstrumentFile.objects.get(uid=uid).status == "done"
    listed = _client(user).get(f"/api/files/{uid}/runs/").json()
    assert [r["id"] for r in listed] == [runs[1].pk, runs[0].pk]
