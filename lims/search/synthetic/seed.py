"""Synthetic catalogues for measuring search at scale: file records with realistic, varied
metadata (twelve microscopes, kinds, techniques, ten years of dates, beam energies,
magnifications, vendor trees with a rare key, tags; no comments) in projects of every
visibility and membership size, without real bytes. The same seed makes the same catalogue
(ids, uids and user names aside).

People, projects and datasets go in through the ORM (a few thousand rows); the files and their
index entries are made by :mod:`lims.search.synthetic.rows`. A large load on PostgreSQL (from
:data:`BULK_FROM` files, outside a transaction) streams them through two parallel COPYs with
the tables' indexes and foreign keys set aside (:mod:`lims.search.synthetic.bulk`); a small one,
or one inside a transaction, writes chunks with COPY in the transaction; SQLite uses
``bulk_create``.

Everything it creates is named ``synth-…`` (users, project slugs). Two users are made for the
benchmark: ``synth-manager`` (a facility manager) and ``synth-user``, a member of a few
private projects who sees about 5 % of the files.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from lims.accounts.models import User
from lims.datasets.models import Dataset, Tag
from lims.files.models import InstrumentFile
from lims.instruments.models import Instrument
from lims.projects.models import Membership, Project
from lims.search.models import SearchEntry, SearchKey, SearchTally
from lims.search.synthetic.bulk import (
    BULK_TABLES,
    copy_streams,
    indexes_set_aside,
    run_two_at_a_time,
)
from lims.search.synthetic.rows import (
    ENTRY_COLUMNS,
    ENTRY_VARYING,
    FILE_COLUMNS,
    FILE_VARYING,
    DatasetPlan,
    LineFormat,
    copy_line,
    rows,
)
from lims.search.synthetic.vocabulary import FIRST, LAST, SCOPES, TAGS, WORDS

#: Files made (and, on the small path, written) at a time.
CHUNK = 20_000
#: From this many files the bulk path is taken (when it can be: PostgreSQL, no transaction).
BULK_FROM = 50_000
SEEDED_TABLES = ("files_instrumentfile", "search_entry", "search_key", "search_tally")

Progress = Callable[[str], None]


def _next_ids(model: type[models.Model], count: int) -> int:
    """Reserve ``count`` primary keys of a model's sequence; returns the first."""
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0  # type: ignore[attr-defined]
        return int(last) + 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        last = cursor.fetchone()[0]
    return int(last) - count + 1


def seed_synthetic(
    *,
    files: int,
    projects: int | None = None,
    seed: int = 1,
    until: dt.date | None = None,
    bulk: bool | None = None,
    progress: Progress = lambda message: None,
) -> dict[str, int]:
    """Create ``files`` synthetic file records (and their index entries) in ``projects``
    projects (about one per 2,000 files), acquired over the ten years before ``until`` (today);
    ``bulk`` forces the bulk path on or off. Returns what was created (files, datasets,
    projects, people, memberships, keys)."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:6]
    projects = projects or max(5, files // 2000)
    password = make_password(None)
    with transaction.atomic():
        User.objects.get_or_create(
            username="synth-manager", defaults={"is_staff": True, "password": password}
        )
        user, _ = User.objects.get_or_create(username="synth-user", defaults={"password": password})
        people = User.objects.bulk_create(
            [
                User(
                    username=f"synth-{run}-{i}",
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST),
                    password=password,
                )
                for i in range(max(10, projects // 2))
            ]
        )
        instruments = [
            Instrument.objects.get_or_create(
                name=scope.name, defaults={"vendor": scope.vendor, "model": scope.name}
            )[0]
            for scope in SCOPES
        ]
        tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    progress(f"{len(people)} people, {len(instruments)} instruments")

    # Projects: mostly private; a few internal or public; members from 1 to 40.
    project_rows = []
    for i in range(projects):
        visibility = rng.choices(("private", "internal", "public"), (96, 2.5, 1.5))[0]
        project_rows.append(
            Project(
                name=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {i}",
                slug=f"synth-{run}-{i}",
                visibility=visibility,
                created_by=rng.choice(people),
            )
        )
    with transaction.atomic():
        made = Project.objects.bulk_create(project_rows)
        memberships = []
        for project in made:
            size = min(len(people), int(rng.paretovariate(1.2)) + 1, 40)
            for person in rng.sample(people, size):
                role = rng.choice(("viewer", "contributor", "manager"))
                memberships.append(Membership(project=project, user=person, role=role))
        # synth-user: a member of about 2 % of the projects (the others it sees are open).
        for project in rng.sample(made, max(1, len(made) // 50)):
            memberships.append(Membership(project=project, user=user, role="viewer"))
        Membership.objects.bulk_create(memberships, ignore_conflicts=True)
    progress(f"{len(made)} projects, {len(memberships)} memberships")

    plans = _datasets(rng, files, made, tags)
    progress(f"{len(plans)} datasets")

    first_id = _next_ids(InstrumentFile, files)
    keys: set[tuple[int, str, str]] = set()
    tallies: dict[int, Counter[tuple[str, str]]] = {}
    chunks = _file_chunks(
        np.random.default_rng(seed),
        plans,
        first_id=first_id,
        instrument_ids=[instrument.pk for instrument in instruments],
        until=until or timezone.localdate(),
        keys=keys,
        tallies=tallies,
    )
    postgres = connection.vendor == "postgresql"
    if bulk is None:
        bulk = files >= BULK_FROM
    bulk = bulk and postgres and connection.get_autocommit()

    def keys_and_tallies() -> None:
        _insert(SearchKey, ("dataset_id", "key", "value_type"), sorted(keys))
        progress(f"{len(keys):,} vendor keys")
        _write_tallies(plans, tallies)
        progress("facet tallies")

    if bulk:
        written = _write_bulk(chunks, files, progress, then=keys_and_tallies)
    else:
        written = _write_in_transaction(chunks, files, progress)
        keys_and_tallies()
    if postgres and connection.get_autocommit():
        # The visibility map lets facet counts read the covering index alone.
        run_two_at_a_time([f"VACUUM (ANALYZE) {table}" for table in SEEDED_TABLES], progress)
        progress("vacuumed")
    return {
        "files": written,
        "datasets": len(plans),
        "projects": len(made),
        "people": len(people),
        "memberships": len(memberships),
        "keys": len(keys),
    }


def _datasets(
    rng: random.Random, files: int, projects: list[Project], tags: list[Tag]
) -> list[DatasetPlan]:
    """Datasets of 1 to a few hundred files (about 50 on average), with their tags."""
    sizes = []
    remaining = files
    while remaining > 0:
        size = min(remaining, max(1, int(rng.lognormvariate(3.3, 1.0))))
        sizes.append(size)
        remaining -= size
    dataset_rows = []
    for i, size in enumerate(sizes):
        project = rng.choice(projects)
        visibility = "public" if rng.random() < 0.003 else ""
        dataset_rows.append(
            Dataset(
                project=project,
                title=f"{rng.choice(WORDS).capitalize()} session {i}",
                description=f"{rng.choice(WORDS)} on {rng.choice(WORDS)}, {size} files",
                visibility=visibility,
                created_by=project.created_by,
            )
        )
    chosen = [rng.sample(tags, rng.choice((0, 0, 1, 1, 2, 3))) for _ in sizes]
    with transaction.atomic():
        datasets = Dataset.objects.bulk_create(dataset_rows, batch_size=2000)
        through = Dataset.tags.through
        through.objects.bulk_create(
            [
                through(dataset_id=d.pk, tag_id=tag.pk)
                for d, picked in zip(datasets, chosen, strict=True)
                for tag in picked
            ],
            batch_size=5000,
        )
    return [
        DatasetPlan(
            id=d.pk,
            project_id=d.project_id,
            project_name=d.project.name,
            owner_id=d.created_by_id,
            title=d.title,
            description=d.description,
            tags=tuple(tag.name for tag in picked),
            size=size,
        )
        for d, picked, size in zip(datasets, chosen, sizes, strict=True)
    ]


Rows = Iterator[tuple[list, list]]


def _file_chunks(
    rng: np.random.Generator,
    plans: Sequence[DatasetPlan],
    *,
    first_id: int,
    instrument_ids: list[int],
    until: dt.date,
    keys: set[tuple[int, str, str]],
    tallies: dict[int, Counter[tuple[str, str]]],
) -> Iterator[tuple[list[DatasetPlan], Rows]]:
    """The datasets in chunks of about :data:`CHUNK` files, each with its rows (made when
    read)."""
    pending: list[DatasetPlan] = []
    count = 0
    for plan in [*plans, None]:
        if plan is not None:
            pending.append(plan)
            count += plan.size
        if pending and (count >= CHUNK or plan is None):
            made = rows(
                rng,
                pending,
                first_id=first_id,
                instrument_ids=instrument_ids,
                until=until,
                keys=keys,
                tallies=tallies,
            )
            yield pending, made
            first_id += count
            pending, count = [], 0


def _write_bulk(
    chunks: Iterator[tuple[list[DatasetPlan], Rows]],
    files: int,
    progress: Progress,
    *,
    then: Callable[[], None],
) -> int:
    """Stream every file and entry through one COPY per table, then run ``then`` (the keys
    and tallies), the tables' indexes and foreign keys set aside meanwhile."""
    started = time.monotonic()
    written = 0
    file_line = LineFormat(InstrumentFile, FILE_VARYING).line
    entry_line = LineFormat(SearchEntry, ENTRY_VARYING).line
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        with indexes_set_aside(BULK_TABLES, progress):
            with copy_streams(
                (InstrumentFile._meta.db_table, _columns(InstrumentFile)),
                (SearchEntry._meta.db_table, _columns(SearchEntry)),
            ) as (file_stream, entry_stream):
                for _, made in chunks:
                    for file, entry in made:
                        file_stream.write(file_line(file))
                        entry_stream.write(entry_line(entry))
                        written += 1
                    rate = written / max(time.monotonic() - started, 1e-9)
                    progress(f"{written:,} of {files:,} files made ({rate:,.0f} files/s)")
            progress(f"{written:,} files stored")
            then()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    return written


def _write_in_transaction(
    chunks: Iterator[tuple[list[DatasetPlan], Rows]], files: int, progress: Progress
) -> int:
    """Write a chunk at a time in a transaction: COPY on PostgreSQL, ``bulk_create``
    elsewhere."""
    written = 0
    for _, made in chunks:
        file_rows, entry_rows = [], []
        for file, entry in made:
            file_rows.append(file)
            entry_rows.append(entry)
        with transaction.atomic():
            _insert(
                InstrumentFile,
                FILE_COLUMNS,
                file_rows,
                LineFormat(InstrumentFile, FILE_VARYING).line,
            )
            _insert(
                SearchEntry, ENTRY_COLUMNS, entry_rows, LineFormat(SearchEntry, ENTRY_VARYING).line
            )
        written += len(file_rows)
        progress(f"{written:,} of {files:,} files")
    return written


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _insert(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: Sequence[Sequence[Any]],
    line: Callable[[Sequence[Any]], str] = copy_line,
) -> None:
    """Insert rows (values in the order of ``attnames``) in a transaction: COPY on
    PostgreSQL, ``bulk_create`` elsewhere."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            columns = ", ".join(model._meta.get_field(name).column for name in attnames)
            buffer = io.StringIO("".join(line(row) for row in rows))
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer
                )
            return
        objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=500)  # type: ignore[attr-defined]


def _write_tallies(
    plans: Sequence[DatasetPlan], tallies: dict[int, Counter[tuple[str, str]]]
) -> None:
    """The facet tallies of the new datasets, counted while their entries were made (a
    grouped statement over a million entries takes minutes): each value's count, the total,
    and the total under each of the dataset's tags."""
    rows: list[list[Any]] = []
    for plan in plans:
        rows.extend(
            [plan.id, facet, value, n] for (facet, value), n in sorted(tallies[plan.id].items())
        )
        rows.append([plan.id, "", "", plan.size])
        rows.extend([plan.id, "tag", tag[:200], plan.size] for tag in plan.tags)
    _insert(SearchTally, ("dataset_id", "facet", "value", "n"), rows)
