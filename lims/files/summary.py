"""What a dataset holds, at a glance: counts by kind, technique and instrument, the dates the
files were acquired, their size, and which failed and why. A few aggregate queries, whatever
the number of files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum, TextField
from django.db.models.functions import Coalesce

from lims.files.filters import metadata_text
from lims.files.models import ExtractionStatus

#: at most this many distinct failure reasons are listed
FAILURE_REASONS = 5


@dataclass
class FolderEntry:
    """A subfolder of the folder being browsed, with the number of files under it."""

    name: str
    path: str
    files: int


@dataclass
class DatasetSummary:
    """The figures of the dataset page's summary."""

    files: int = 0
    size: int = 0
    done: int = 0
    waiting: int = 0
    failed: int = 0
    unsupported: int = 0
    first_acquired: Any = None
    last_acquired: Any = None
    kinds: list[tuple[str, int]] = field(default_factory=list)
    techniques: list[tuple[str, int]] = field(default_factory=list)
    instruments: list[tuple[str, int]] = field(default_factory=list)
    failures: list[tuple[str, int]] = field(default_factory=list)
    folders: int = 0


def _counted(rows: Iterable[dict[str, Any]], key: str) -> list[tuple[str, int]]:
    """``(value, count)`` pairs, the largest first; files without a value last, as ""."""
    pairs = [(row[key] or "", row["n"]) for row in rows]
    return sorted(pairs, key=lambda pair: (pair[0] == "", -pair[1], pair[0]))


def dataset_summary(files: Any) -> DatasetSummary:
    """The summary of ``files`` (a dataset's live files, already limited to what the reader
    may see)."""
    totals = files.aggregate(
        files=Count("id"),
        size=Coalesce(Sum("size"), 0),
        done=Count("id", filter=Q(status=ExtractionStatus.DONE)),
        waiting=Count(
            "id", filter=Q(status__in=[ExtractionStatus.PENDING, ExtractionStatus.RUNNING])
        ),
        failed=Count("id", filter=Q(status=ExtractionStatus.FAILED)),
        unsupported=Count("id", filter=Q(status=ExtractionStatus.UNSUPPORTED)),
        first_acquired=Min("acquired_at"),
        last_acquired=Max("acquired_at"),
    )
    summary = DatasetSummary(**totals)
    if not summary.files:
        return summary
    folders: set[str] = set()
    for path in files.exclude(folder="").values_list("folder", flat=True).distinct():
        parts = path.split("/")
        folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    summary.folders = len(folders)
    by_metadata = (
        files.filter(status=ExtractionStatus.DONE)
        .annotate(k=metadata_text("kind"), t=metadata_text("technique"))
        .values("k", "t")
        .annotate(n=Count("id"))
    )
    kinds: dict[str, int] = {}
    techniques: dict[str, int] = {}
    for row in by_metadata:
        kinds[row["k"] or ""] = kinds.get(row["k"] or "", 0) + row["n"]
        techniques[row["t"] or ""] = techniques.get(row["t"] or "", 0) + row["n"]
    summary.kinds = _counted(({"v": k, "n": n} for k, n in kinds.items()), "v")
    summary.techniques = _counted(({"v": k, "n": n} for k, n in techniques.items()), "v")
    instruments = (
        files.filter(status=ExtractionStatus.DONE)
        .annotate(
            i=Coalesce("instrument__name", metadata_text("microscope"), output_field=TextField())
        )
        .values("i")
        .annotate(n=Count("id"))
    )
    summary.instruments = _counted(instruments, "i")
    failures = (
        files.filter(status__in=[ExtractionStatus.FAILED, ExtractionStatus.UNSUPPORTED])
        .values("status_message")
        .annotate(n=Count("id"))
        .order_by("-n", "status_message")[:FAILURE_REASONS]
    )
    summary.failures = [(row["status_message"] or "", row["n"]) for row in failures]
    return summary


def subfolders(files: Any, folder: str) -> list[FolderEntry]:
    """The folders directly inside ``folder`` ("" for the top) among ``files``, each with the
    number of files anywhere under it, by name."""
    prefix = f"{folder}/" if folder else ""
    rows = (
        files.filter(folder__startswith=prefix)
        .exclude(folder=folder)
        .values("folder")
        .annotate(n=Count("id"))
    )
    entries: dict[str, int] = {}
    for row in rows:
        child = row["folder"][len(prefix) :].split("/", 1)[0]
        entries[child] = entries.get(child, 0) + row["n"]
    return [
        FolderEntry(name=name, path=f"{prefix}{name}", files=count)
        for name, count in sorted(entries.items(), key=lambda item: item[0].casefold())
    ]
