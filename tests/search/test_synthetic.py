"""seed_synthetic: exactly what it makes, the same catalogue for the same seed, index entries
equal to what the indexer writes for the same files, and the bulk path (indexes and foreign
keys set aside, two COPY streams) leaving the schema as it found it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from lims.accounts.models import User
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.projects.models import Membership, Project
from lims.search.indexing import entry_for
from lims.search.models import SearchEntry, SearchKey, SearchTally
from lims.search.services import search_run
from lims.search.synthetic import RARE_KEY, seed_synthetic
from lims.search.synthetic.rows import ENTRY_COLUMNS
from lims.search.tally import tally_rebuild

UNTIL = dt.date(2026, 6, 1)
#: What the indexer writes itself at indexing time (the seeder dates it at the upload).
WRITE_TIMES = {"first_indexed_at", "indexed_at"}


def _entries_match_indexing(file_ids: list[int]) -> None:
    """Every entry is what ``entry_for`` makes of its file, column by column."""
    files = (
        InstrumentFile.objects.filter(pk__in=file_ids)
        .select_related("dataset__project", "instrument")
        .prefetch_related("dataset__tags", "tags")
    )
    stored = SearchEntry.objects.in_bulk(file_ids)
    assert len(stored) == len(file_ids)
    for file in files:
        made, _ = entry_for(file)
        entry = stored[file.pk]
        differing = {
            name: (getattr(made, name), getattr(entry, name))
            for name in ENTRY_COLUMNS
            if name not in WRITE_TIMES and getattr(made, name) != getattr(entry, name)
        }
        assert differing == {}, file.original_name
        assert entry.first_indexed_at == entry.indexed_at == file.uploaded_at


def _tallies() -> list[tuple[Any, ...]]:
    return sorted(SearchTally.objects.values_list("dataset_id", "facet", "value", "n"))


def _tallies_match_rebuild() -> None:
    seeded = _tallies()
    tally_rebuild(dataset_ids=Dataset.objects.values_list("pk", flat=True))
    assert seeded == _tallies()


def _catalogue() -> list[tuple[Any, ...]]:
    """What a seed decides (ids, uids and user names aside), in file order."""
    columns = ["name", "acquired_at", "microscope", "technique", "kind", "detector"]
    columns += ["beam_kv", "magnification", "pixel_size", "tags", "text_b", "text_c", "tree"]
    return list(SearchEntry.objects.order_by("file_id").values_list(*columns, "size"))


@pytest.mark.django_db
def test_seed_makes_exactly_what_it_reports() -> None:
    made = seed_synthetic(files=300, projects=6, seed=3, until=UNTIL)

    assert made == {
        "files": 300,
        "datasets": 10,
        "projects": 6,
        "people": 10,
        "memberships": 19,
        "keys": 90,
    }
    assert InstrumentFile.objects.count() == 300 == SearchEntry.objects.count()
    assert Dataset.objects.count() == 10
    assert Project.objects.filter(slug__startswith="synth-").count() == 6
    assert Membership.objects.count() == 19
    assert SearchKey.objects.count() == 90
    assert set(SearchEntry.objects.values_list("status", flat=True)) == {"done"}
    first = SearchEntry.objects.order_by("acquired_at").first()
    last = SearchEntry.objects.order_by("acquired_at").last()
    assert first is not None and last is not None
    assert dt.date(2016, 6, 1) <= first.acquired_at.date() < last.acquired_at.date() <= UNTIL
    _entries_match_indexing(list(InstrumentFile.objects.values_list("pk", flat=True)))
    _tallies_match_rebuild()
    file = InstrumentFile.objects.order_by("pk").first()
    assert file is not None
    assert (
        file.metadata["beam_energy"]
        == file.original_metadata["signals"][0]["ImageList"]["TagGroup0"]["ImageTags"][
            "Microscope Info"
        ]["Voltage"]
    )


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_catalogue() -> None:
    seed_synthetic(files=250, projects=5, seed=7, until=UNTIL)
    first = _catalogue()
    InstrumentFile.objects.all().delete()
    seed_synthetic(files=250, projects=5, seed=7, until=UNTIL)
    assert _catalogue() == first
    InstrumentFile.objects.all().delete()
    seed_synthetic(files=250, projects=5, seed=8, until=UNTIL)
    assert _catalogue() != first


def _schema(tables: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [list(tables)],
        )
        constraints = cursor.fetchall()
    return indexes, constraints


@pytest.mark.django_db(transaction=True)
def test_the_bulk_path_streams_the_rows_and_puts_the_schema_back() -> None:
    tables = ("files_instrumentfile", "search_entry", "search_key", "search_tally")
    before = _schema(tables)
    assert len(before[0]) > 20 and len(before[1]) > 10

    lines: list[str] = []
    made = seed_synthetic(files=3000, seed=5, until=UNTIL, bulk=True, progress=lines.append)

    assert made["files"] == 3000
    assert _schema(tables) == before
    assert "3,000 files stored" in lines
    assert InstrumentFile.objects.count() == 3000 == SearchEntry.objects.count()
    ids = list(InstrumentFile.objects.order_by("pk").values_list("pk", flat=True))
    assert ids == list(range(ids[0], ids[0] + 3000))
    _entries_match_indexing(ids[::97])
    _tallies_match_rebuild()
    rare = SearchEntry.objects.filter(tree__has_key=RARE_KEY).count()
    assert SearchKey.objects.filter(key=RARE_KEY).count() == len(
        set(SearchEntry.objects.filter(tree__has_key=RARE_KEY).values_list("dataset_id"))
    )
    staff = User.objects.get(username="synth-manager")
    assert search_run(user=staff, text="session").count == 3000
    assert search_run(user=staff, text=f'"{RARE_KEY}" >= 1').count == rare
