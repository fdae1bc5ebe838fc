"""Ingest's writes during a search benchmark: a steady stream of files as extractions leave
them, half re-extractions of existing files (new metadata), half new files, each saved as the
pipeline saves a file so that the search receivers index it in the same transaction
(``lims.search.indexing.search_index_files``), at a fixed rate.

:func:`write_steadily` writes in the calling process; :class:`BackgroundWriter`
(:mod:`lims.bench.writer_process`) runs it in a process of its own beside the benchmark.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from lims.files.models import InstrumentFile

#: The words the writer leaves, so a test (or a curious user) can find what it wrote: new
#: files are named ``benchwritten_NNNNNN.<ext>``, re-extracted ones get this specimen.
NEW_NAME = "benchwritten"
NEW_SPECIMEN = "rewritten"
#: How far behind its schedule the writer may fall before it stops catching up.
MAX_LAG = 1.0


@dataclass
class WriterReport:
    """What the writer did: the files it added and re-extracted, and over how long."""

    added: list[int] = field(default_factory=list)
    updated: set[int] = field(default_factory=set)
    writes: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Files written per second."""
        return self.writes / self.seconds if self.seconds else 0.0


def write_steadily(
    *,
    rate: float,
    stop: Callable[[], bool],
    seed: int = 1,
    started: Callable[[], None] = lambda: None,
) -> WriterReport:
    """Write ``rate`` files a second until ``stop()`` is true (checked between writes); every
    other write re-extracts an existing file, the others add one to an existing dataset."""
    rng = random.Random(seed)
    ids = InstrumentFile.objects.order_by("pk").values_list("pk", flat=True)
    first, last = ids.first(), ids.last()
    if first is None or last is None:
        raise ValueError("There are no files to write beside: seed some first.")
    report = WriterReport()
    interval = 1 / rate
    begin = time.monotonic()
    due = begin
    started()
    while not stop():
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, 0.1))
            continue
        due = max(due + interval, time.monotonic() - MAX_LAG)
        # The first file from a random id on (ids have gaps where files were deleted).
        pick = InstrumentFile.objects.filter(pk__gte=rng.randint(first, last)).order_by("pk")
        file = pick.first() or InstrumentFile.objects.order_by("pk").first()
        assert file is not None
        if report.writes % 2:
            report.added.append(_add(file, len(report.added)))
        else:
            _reextract(file, rng)
            report.updated.add(file.pk)
        report.writes += 1
    report.seconds = time.monotonic() - begin
    return report


def _reextract(file: InstrumentFile, rng: random.Random) -> None:
    """New metadata for a file, saved as an extraction's result is (the receiver indexes it)."""
    metadata = dict(file.metadata or {})
    metadata["specimen"] = NEW_SPECIMEN
    metadata["exposure_time"] = round(10 ** rng.uniform(-4, 1), 6)
    file.metadata = metadata
    with transaction.atomic():
        file.save(update_fields=["metadata"])


def _add(model: InstrumentFile, number: int) -> int:
    """A new file in the dataset of ``model``, as extraction leaves it."""
    extension = model.original_name.rpartition(".")[2]
    now = timezone.now()
    with transaction.atomic():
        file = InstrumentFile.objects.create(
            uid=uuid.uuid4(),
            dataset_id=model.dataset_id,
            original_name=f"{NEW_NAME}_{number:06d}.{extension}",
            size=model.size,
            sha256=uuid.uuid4().hex + uuid.uuid4().hex,
            reader=model.reader,
            format_label=model.format_label,
            uploaded_by_id=model.uploaded_by_id,
            uploaded_at=now,
            status=model.status,
            metadata={**(model.metadata or {}), "acquired_at": now.isoformat()},
            signals=model.signals,
            original_metadata=model.original_metadata,
            acquired_at=now,
            instrument_id=model.instrument_id,
        )
    return file.pk
