"""Fixity: stored bytes are hashed again and compared with the SHA-256 recorded at ingest.

:func:`fixity_check` walks the instrument files (and their companions) in id order from
where the previous check stopped (:class:`~lims.ops.models.FixityCursor`), reads every byte
through the storage API (or from the share, for files registered in place) no faster than a
given rate, and stops when its time or file budget is spent; the next check goes on from
there. A file found changed or missing becomes an open
:class:`~lims.ops.models.FixityProblem`, and facility managers are e-mailed about it once.
Only one check runs at a time (a PostgreSQL advisory lock).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection
from django.utils import timezone

from lims.files.models import CompanionFile, InstrumentFile
from lims.ops.models import FixityCursor, FixityProblem, FixityProblemKind

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
#: The advisory lock that keeps two checks from walking the same files at once.
LOCK_KEY = 0x4C494D53_46495801  # "LIMSFIX\x01"
Say = Callable[[str], None]


class FixityBusy(RuntimeError):
    """Another fixity check is running."""


class Throttle:
    """Keeps a reader below ``bytes_per_s`` by sleeping when it gets ahead (0: no limit)."""

    def __init__(self, bytes_per_s: float) -> None:
        self.rate = bytes_per_s
        self.started = time.monotonic()
        self.done = 0

    def consumed(self, n: int) -> None:
        self.done += n
        if self.rate > 0:
            ahead = self.done / self.rate - (time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)


@dataclass
class FixityReport:
    """What one check did: files and bytes verified, problems found, where it stopped."""

    files: int = 0
    bytes: int = 0
    problems: list[FixityProblem] = field(default_factory=list)
    new_problems: list[FixityProblem] = field(default_factory=list)
    resolved: int = 0
    started_at_file: int = 0
    position: int = 0
    pass_completed: bool = False


def _hash(handle: IO[bytes], throttle: Throttle) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        throttle.consumed(len(chunk))
    return sha.hexdigest(), size


def _open(item: InstrumentFile | CompanionFile) -> IO[bytes]:
    if item.external_path:
        return Path(item.external_path).open("rb")
    return item.stored_file.storage.open(item.stored_file.name, "rb")


def _location(item: InstrumentFile | CompanionFile) -> str:
    return item.external_path or item.stored_file.name


def _verify(item: InstrumentFile | CompanionFile, throttle: Throttle, report: FixityReport) -> None:
    """Hash one stored item; record a problem, or resolve an old one, as the bytes say."""
    if not item.external_path and not item.stored_file:
        return
    parent = item if isinstance(item, InstrumentFile) else item.parent
    companion = item if isinstance(item, CompanionFile) else None
    location = _location(item)
    try:
        with _open(item) as handle:
            actual, size = _hash(handle, throttle)
    except FileNotFoundError:
        kind, actual, size = FixityProblemKind.MISSING, "", 0
    else:
        kind = None if actual == item.sha256 else FixityProblemKind.MISMATCH
    report.bytes += size
    open_problems = FixityProblem.objects.filter(
        file=parent, companion=companion, location=location, resolved_at=None
    )
    if kind is None:
        report.resolved += open_problems.update(resolved_at=timezone.now())
        return
    problem = open_problems.first()
    if problem is None:
        problem = FixityProblem.objects.create(
            file=parent,
            companion=companion,
            location=location,
            kind=kind,
            expected_sha256=item.sha256,
            actual_sha256=actual,
        )
        report.new_problems.append(problem)
        log.error(
            "fixity: %s is %s (expected %s, found %s)", location, kind, item.sha256, actual or "-"
        )
    else:
        problem.kind, problem.actual_sha256 = kind, actual
        problem.save(update_fields=["kind", "actual_sha256", "last_seen_at"])
    report.problems.append(problem)


def _verify_file(instrument_file: InstrumentFile, throttle: Throttle, report: FixityReport) -> None:
    for item in [instrument_file, *instrument_file.companions.all()]:
        _verify(item, throttle, report)
    report.files += 1


def fixity_check_files(
    *, files: Iterable[InstrumentFile], max_bytes_per_s: float = 0
) -> FixityReport:
    """Verify the given files now, leaving the rolling check's position alone (after a
    restore from backup, say); e-mails facility managers about new problems."""
    report = FixityReport()
    throttle = Throttle(max_bytes_per_s)
    for instrument_file in files:
        _verify_file(instrument_file, throttle, report)
    if report.new_problems:
        fixity_problems_notify(problems=report.new_problems)
    return report


@contextmanager
def _only_one_check() -> Iterator[None]:
    """Hold the fixity lock (PostgreSQL advisory lock); FixityBusy when another holds it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise FixityBusy("Another fixity check is running.")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _files_after(position: int) -> Iterator[InstrumentFile]:
    """Files with an id above ``position``, in id order, with their companions, in batches."""
    while True:
        batch = list(
            InstrumentFile.objects.filter(pk__gt=position)
            .only("pk", "uid", "original_name", "stored_file", "external_path", "sha256")
            .prefetch_related("companions")
            .order_by("pk")[:100]
        )
        if not batch:
            return
        yield from batch
        position = batch[-1].pk


def fixity_check(
    *,
    max_seconds: float | None = None,
    max_files: int | None = None,
    max_bytes_per_s: float = 0,
    restart: bool = False,
    say: Say | None = None,
) -> FixityReport:
    """Verify stored files from where the last check stopped, within the given budgets.

    Returns what was checked and found; e-mails facility managers about new problems. A
    check that reaches the last file completes the pass and starts the next from the first.
    Raises :class:`FixityBusy` when another check is running.
    """
    with _only_one_check():
        cursor, _ = FixityCursor.objects.get_or_create(name="files")
        if restart or cursor.pass_started_at is None:
            cursor.position, cursor.files_checked, cursor.bytes_checked = 0, 0, 0
            cursor.pass_started_at = timezone.now()
            cursor.save()
        report = FixityReport(started_at_file=cursor.position, position=cursor.position)
        throttle = Throttle(max_bytes_per_s)
        deadline = time.monotonic() + max_seconds if max_seconds else None
        for instrument_file in _files_after(cursor.position):
            if max_files is not None and report.files >= max_files:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            _verify_file(instrument_file, throttle, report)
            report.position = instrument_file.pk
            FixityCursor.objects.filter(pk=cursor.pk).update(
                position=instrument_file.pk,
                files_checked=cursor.files_checked + report.files,
                bytes_checked=cursor.bytes_checked + report.bytes,
                updated_at=timezone.now(),
            )
            if say is not None and report.files % 100 == 0:
                say(f"{report.files} files, {report.bytes / 1e6:.0f} MB verified")
        else:
            report.pass_completed = True
            FixityCursor.objects.filter(pk=cursor.pk).update(
                position=0,
                files_checked=0,
                bytes_checked=0,
                pass_started_at=timezone.now(),
                last_pass_finished_at=timezone.now(),
            )
    if report.new_problems:
        fixity_problems_notify(problems=report.new_problems)
    return report


def fixity_problems_notify(*, problems: list[FixityProblem]) -> int:
    """E-mail the facility managers (active staff with an address) about new problems.

    Returns how many were told. A mail server that is down is logged, not raised: the
    problems stay open on the facility pages.
    """
    recipients = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    lines = [
        f"- {p.file.original_name} ({p.location}): {p.get_kind_display()}; expected SHA-256 "
        f"{p.expected_sha256}, found {p.actual_sha256 or 'nothing'}"
        for p in problems
    ]
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] Fixity: {len(problems)} stored file(s) changed "
            "or missing",
            message="The fixity check found stored bytes that are not what was recorded when "
            "they came in:\n\n" + "\n".join(lines) + "\n\nThe facility pages list every open "
            "problem (Facility → Fixity). Restore the files from a backup, then run "
            "`manage.py check_fixity --file UID` to confirm.",
            from_email=None,
            recipient_list=recipients,
        )
    except OSError:
        log.exception("fixity: could not e-mail the facility managers")
        return 0
    return len(recipients)
