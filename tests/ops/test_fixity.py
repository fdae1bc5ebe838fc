"""Fixity: stored bytes hashed again; a file changed or removed on disk is found and reported."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse

from lims.files.models import InstrumentFile
from lims.ops import fixity as fixity_module
from lims.ops.fixity import FixityBusy, Throttle, fixity_check
from lims.ops.models import FixityCursor, FixityProblem, FixityProblemKind
from lims.ops.tasks import check_fixity
from tests.factories import CompanionFileFactory, InstrumentFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(personas) -> list[InstrumentFile]:
    personas.facility_manager.email = "fiona@facility.example.org"
    personas.facility_manager.save()
    files = [InstrumentFileFactory(dataset=personas.dataset) for _ in range(4)]
    CompanionFileFactory(parent=files[1])
    return files


def _path(field) -> Path:
    return Path(field.storage.path(field.name))


def test_a_clean_pass_verifies_every_file_and_companion(stored) -> None:
    report = fixity_check()
    assert report.files == 4
    assert report.bytes == sum(f.size for f in stored) + stored[1].companions.get().size
    assert report.problems == [] and report.pass_completed
    cursor = FixityCursor.objects.get()
    assert cursor.position == 0 and cursor.last_pass_finished_at is not None
    assert mail.outbox == []


def test_a_file_changed_on_disk_is_detected_reported_and_listed(client, stored, personas) -> None:
    changed = stored[2]
    path = _path(changed.stored_file)
    path.write_bytes(path.read_bytes()[:-1] + b"\xff")  # one byte flipped by a failing disk

    report = fixity_check()
    assert [p.location for p in report.problems] == [changed.stored_file.name]
    problem = FixityProblem.objects.get()
    assert problem.file == changed and problem.kind == FixityProblemKind.MISMATCH
    assert problem.expected_sha256 == changed.sha256
    assert problem.actual_sha256 not in {"", changed.sha256}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["fiona@facility.example.org"]
    assert changed.original_name in mail.outbox[0].body

    client.force_login(personas.facility_manager)
    page = client.get(reverse("manage:fixity")).content.decode()
    assert changed.original_name in page and changed.stored_file.name in page and "open" in page
    dashboard = client.get(reverse("manage:dashboard")).content.decode()
    assert "Fixity problems" in dashboard

    # Seen again: still one problem, and nobody is e-mailed twice.
    fixity_check()
    assert FixityProblem.objects.count() == 1 and len(mail.outbox) == 1


def test_a_missing_companion_and_its_repair(stored) -> None:
    companion = stored[1].companions.get()
    path = _path(companion.stored_file)
    original = path.read_bytes()
    path.unlink()
    fixity_check()
    problem = FixityProblem.objects.get()
    assert (problem.kind, problem.companion, problem.file) == (
        FixityProblemKind.MISSING,
        companion,
        stored[1],
    )
    path.write_bytes(original)  # restored from a backup
    report = fixity_check()
    assert report.resolved == 1 and report.problems == []
    problem.refresh_from_db()
    assert problem.resolved_at is not None


def test_files_registered_in_place_are_checked_on_their_share(personas, tmp_path) -> None:
    share = tmp_path / "share.dm3"
    share.write_bytes(b"on the share")
    in_place = InstrumentFileFactory(
        dataset=personas.dataset,
        stored_file="",
        external_path=str(share),
        sha256=hashlib.sha256(b"on the share").hexdigest(),
    )
    assert fixity_check().problems == []
    share.write_bytes(b"on the share, edited")
    assert [p.location for p in fixity_check().problems] == [str(share)]
    assert FixityProblem.objects.get().file == in_place


def test_a_check_within_a_budget_resumes_where_it_stopped(stored) -> None:
    first = fixity_check(max_files=3)
    assert first.files == 3 and not first.pass_completed
    assert FixityCursor.objects.get().position == stored[2].pk
    second = fixity_check(max_files=3)
    assert (second.started_at_file, second.files, second.pass_completed) == (stored[2].pk, 1, True)
    third = fixity_check(max_files=2)
    assert third.started_at_file == 0 and third.files == 2


def test_the_command_exits_1_and_lists_the_problem(stored, capsys) -> None:
    call_command("check_fixity", "--max-mb-per-s", "0")
    assert "Verified 4 files" in capsys.readouterr().out
    _path(stored[0].stored_file).write_bytes(b"overwritten")
    with pytest.raises(CommandError) as failed:
        call_command("check_fixity", "--max-mb-per-s", "0")
    assert failed.value.returncode == 1
    assert stored[0].stored_file.name in capsys.readouterr().err
    # --file checks one file now and leaves the rolling position alone.
    position = FixityCursor.objects.get().position
    call_command("check_fixity", "--file", str(stored[3].uid))
    assert FixityCursor.objects.get().position == position


def test_the_periodic_task_is_scheduled_and_checks(stored, settings) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE["check-fixity"]
    assert schedule["task"] == "ops.check_fixity"
    assert check_fixity.apply().get() == {"files": 4, "problems": 0}


def test_only_one_check_runs_at_a_time(stored) -> None:
    other = connections.create_connection("default")  # another process's session, say
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [fixity_module.LOCK_KEY])
        with pytest.raises(FixityBusy):
            fixity_check()
        with pytest.raises(CommandError) as busy:
            call_command("check_fixity")
        assert busy.value.returncode == 2
        with other.cursor() as cursor:  # the other check ends
            cursor.execute("SELECT pg_advisory_unlock(%s)", [fixity_module.LOCK_KEY])
    finally:
        other.close()
    assert fixity_check().files == 4


def test_the_throttle_sleeps_when_reading_ahead_of_the_rate(monkeypatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(fixity_module.time, "sleep", slept.append)
    throttle = Throttle(bytes_per_s=10_000_000)
    throttle.consumed(20_000_000)
    assert len(slept) == 1 and 1.9 < slept[0] <= 2.0
    unlimited = Throttle(bytes_per_s=0)
    unlimited.consumed(10**12)
    assert len(slept) == 1
