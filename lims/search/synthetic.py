"""Synthetic catalogues for measuring search at scale: file records with realistic, varied
metadata (instruments, kinds, techniques, ten years of dates, beam energies, magnifications,
vendor trees with a rare key, tags, comments-free) in projects of every visibility and
membership size, without real bytes. On PostgreSQL rows go in with COPY, in chunks (constant
memory); on SQLite with ``bulk_create``.

Everything it creates is named ``synth-…`` (users, project slugs). Two users are made for the
benchmark: ``synth-manager`` (a facility manager) and ``synth-user``, a member of a few
private projects who sees about 5 % of the files.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from lims.accounts.models import User
from lims.datasets.models import Dataset, Tag
from lims.files.models import ExtractionStatus, InstrumentFile
from lims.instruments.models import Instrument
from lims.projects.models import Membership, Project
from lims.search.indexing import entry_for, value_type
from lims.search.models import SearchEntry, SearchKey
from lims.search.tally import tally_rebuild

CHUNK = 20_000
#: The rare vendor key (as flattened from the DigitalMicrograph-like tree): in about one file in
#: a thousand.
RARE_KEY = "ImageTags.Experiment.Holder.Tomography Tilt Step"


@dataclass(frozen=True)
class Scope:
    """A microscope of the synthetic facility and what it is used for."""

    name: str
    vendor: str
    kvs: tuple[int, ...]
    techniques: tuple[str, ...]
    detectors: tuple[str, ...]
    formats: tuple[tuple[str, str], ...]  # (extension, format label)


SCOPES = (
    Scope(
        "FEI Titan G2",
        "FEI",
        (80, 200, 300),
        ("STEM", "TEM", "EELS", "EDS"),
        ("HAADF", "BF", "DF4", "Super-X", "GIF Quantum"),
        (("emd", "velox/emd"), ("dm4", "digitalmicrograph/dm4")),
    ),
    Scope(
        "Thermo Fisher Spectra 300",
        "Thermo Fisher",
        (60, 200, 300),
        ("STEM", "EDS", "EELS"),
        ("HAADF", "iDPC", "Super-X", "Continuum"),
        (("emd", "velox/emd"),),
    ),
    Scope(
        "Talos F200X",
        "Thermo Fisher",
        (80, 200),
        ("TEM", "STEM", "EDS"),
        ("Ceta", "HAADF", "Super-X"),
        (("emd", "velox/emd"), ("ser", "tia/emi")),
    ),
    Scope(
        "JEM-ARM200F",
        "JEOL",
        (80, 200),
        ("STEM", "TEM", "EELS"),
        ("ADF", "ABF", "OneView", "GIF"),
        (("dm3", "digitalmicrograph/dm3"), ("dm4", "digitalmicrograph/dm4")),
    ),
    Scope(
        "JEM-2100",
        "JEOL",
        (120, 200),
        ("TEM",),
        ("Orius", "US1000"),
        (("dm3", "digitalmicrograph/dm3"),),
    ),
    Scope(
        "FEI Tecnai F20",
        "FEI",
        (120, 200),
        ("TEM", "STEM", "EDS"),
        ("BM-UltraScan", "HAADF", "EDAX"),
        (("dm3", "digitalmicrograph/dm3"), ("emi", "tia/emi")),
    ),
    Scope(
        "Titan Krios",
        "Thermo Fisher",
        (300,),
        ("TEM",),
        ("Falcon 4", "K3"),
        (("mrc", "mrc/mrc"), ("tif", "tiff/tif")),
    ),
    Scope(
        "Helios 5 UX",
        "Thermo Fisher",
        (2, 5, 30),
        ("SEM", "FIB", "EDS"),
        ("ETD", "TLD", "ICE"),
        (("tif", "tiff/tif"),),
    ),
    Scope(
        "Quanta 650",
        "FEI",
        (5, 10, 20, 30),
        ("SEM", "EDS"),
        ("ETD", "CBS", "Octane"),
        (("tif", "tiff/tif"),),
    ),
    Scope(
        "Zeiss Gemini 500",
        "Zeiss",
        (1, 3, 5, 15),
        ("SEM", "CL"),
        ("InLens", "SE2", "Monarc"),
        (("tif", "tiff/tif"),),
    ),
    Scope(
        "Nion UltraSTEM 100",
        "Nion",
        (60, 100),
        ("STEM", "EELS"),
        ("HAADF", "MAADF", "Iris"),
        (("h5", "nion/h5"),),
    ),
    Scope(
        "Hitachi HF5000",
        "Hitachi",
        (200,),
        ("STEM", "TEM", "EDS"),
        ("BF", "DF", "Ultim"),
        (("tif", "tiff/tif"),),
    ),
)
KIND_OF = {
    "TEM": ("image", "image", "diffraction", "image_stack"),
    "STEM": ("image", "image", "image", "4d_stem", "image_stack"),
    "SEM": ("image",),
    "FIB": ("image", "image_stack"),
    "EELS": ("spectrum", "spectrum_image", "line_scan"),
    "EDS": ("spectrum", "spectrum_image"),
    "CL": ("spectrum", "spectrum_image", "image"),
}
WORDS = (
    "graphene", "perovskite", "catalyst", "zeolite", "battery", "cathode", "anode", "nanowire",
    "quantum dot", "MoS2", "hBN", "steel", "alloy", "oxide", "interface", "grain boundary",
    "dislocation", "lamella", "biofilm", "virus", "ribosome", "membrane", "polymer", "ceramic",
    "thin film", "heterostructure", "precipitate", "twin", "superlattice", "nanoparticle",
)  # fmt: skip
TAGS = (
    "in situ", "heating", "cryo", "tomography", "4D-STEM", "EELS mapping", "EDS mapping",
    "high resolution", "low dose", "calibration", "beam damage", "publication", "thesis",
    "collaboration", "training", "service", "industry", "operando", "liquid cell", "holography",
)  # fmt: skip
FIRST = (
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Goran",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lea",
)
LAST = ("Meyer", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Usman", "Varga")


def _copy(model: type[models.Model], rows: Iterable[list[Any]], columns: list[str]) -> None:
    """COPY rows (Python values) into a model's table (PostgreSQL's text format)."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer
        )


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _write(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert model instances: COPY on PostgreSQL, bulk_create elsewhere."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=500)  # type: ignore[attr-defined]
        return
    fields = [f for f in model._meta.concrete_fields]
    columns = [f.column for f in fields]
    _copy(model, ([getattr(o, f.attname) for f in fields] for o in objects), columns)


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


SEEDED_TABLES = ("search_entry", "search_key", "files_instrumentfile")


@contextmanager
def _gin_indexes_rebuilt_after(progress: Callable[[str], None], *, many: bool) -> Iterator[None]:
    """For many rows on PostgreSQL: drop the GIN indexes of the seeded tables, and build them
    again afterwards (whatever happens): one build is much faster than a million inserts."""
    if not many or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexdef LIKE '%%USING gin%%'",
            [list(SEEDED_TABLES)],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in indexes:
                progress(f"building {name}")
                cursor.execute(definition)


def seed_synthetic(
    *,
    files: int,
    projects: int | None = None,
    seed: int = 1,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, int]:
    """Create ``files`` synthetic file records (and their index entries) in ``projects``
    projects (about one per 2,000 files); returns what was created."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:6]
    projects = projects or max(5, files // 2000)
    now = timezone.now()
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

    # Datasets of 1 to a few hundred files (about 50 on average).
    sizes = []
    remaining = files
    while remaining > 0:
        size = min(remaining, max(1, int(rng.lognormvariate(3.3, 1.0))))
        sizes.append(size)
        remaining -= size
    dataset_rows = []
    for i, size in enumerate(sizes):
        project = rng.choice(made)
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
    with transaction.atomic():
        datasets = Dataset.objects.bulk_create(dataset_rows, batch_size=2000)
        through = Dataset.tags.through
        through.objects.bulk_create(
            [
                through(dataset_id=d.pk, tag_id=tag.pk)
                for d in datasets
                for tag in rng.sample(tags, rng.choice((0, 0, 1, 1, 2, 3)))
            ],
            batch_size=5000,
        )
    progress(f"{len(datasets)} datasets")
    dataset_tags: dict[int, list[str]] = {}
    for dataset_id, name in (
        Dataset.tags.through.objects.filter(dataset_id__in=[d.pk for d in datasets])
        .values_list("dataset_id", "tag__name")
        .iterator(10_000)
    ):
        dataset_tags.setdefault(dataset_id, []).append(name)

    written = 0
    pending: list[tuple[Dataset, int]] = []
    chunk_size = 0
    with _gin_indexes_rebuilt_after(progress, many=files >= 50_000):
        for dataset, size in zip(datasets, sizes, strict=True):
            pending.append((dataset, size))
            chunk_size += size
            if chunk_size >= CHUNK:
                written += _files_chunk(rng, pending, chunk_size, instruments, dataset_tags, now)
                progress(f"{written:,} of {files:,} files")
                pending, chunk_size = [], 0
        if pending:
            written += _files_chunk(rng, pending, chunk_size, instruments, dataset_tags, now)
            progress(f"{written:,} of {files:,} files")
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # The visibility map lets facet counts read the covering index alone.
        with connection.cursor() as cursor:
            for table in SEEDED_TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    return {"files": written, "datasets": len(datasets), "projects": len(made)}


def _files_chunk(
    rng: random.Random,
    pending: list[tuple[Dataset, int]],
    count: int,
    instruments: list[Instrument],
    dataset_tags: dict[int, list[str]],
    now: dt.datetime,
) -> int:
    first_id = _next_ids(InstrumentFile, count)
    files, entries, keys = [], [], set()
    file_id = first_id
    start = now - dt.timedelta(days=3650)
    for dataset, size in pending:
        index = rng.randrange(len(SCOPES))
        scope, instrument = SCOPES[index], instruments[index]
        session = start + dt.timedelta(seconds=rng.randrange(3650 * 86400))
        operator = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        specimen = rng.choice(WORDS)
        kv = rng.choice(scope.kvs)
        extension, format_label = rng.choice(scope.formats)
        for position in range(size):
            technique = rng.choice(scope.techniques)
            kind = rng.choice(KIND_OF[technique])
            magnification = round(10 ** rng.uniform(2.5, 6.5), -1)
            acquired = session + dt.timedelta(seconds=position * rng.randrange(5, 120))
            metadata = {
                "acquired_at": acquired.isoformat(timespec="seconds"),
                "microscope": scope.name,
                "vendor": scope.vendor,
                "technique": technique,
                "imaging_mode": "scanning" if technique in ("STEM", "SEM", "FIB") else "imaging",
                "kind": kind,
                "beam_energy": kv * 1000.0,
                "magnification": magnification,
                "pixel_size": round(1e-3 / magnification * rng.uniform(0.5, 2.0), 15),
                "exposure_time": round(10 ** rng.uniform(-4, 1), 6),
                "detector": rng.choice(scope.detectors),
                "operator": operator,
                "specimen": specimen,
                "format": format_label.split("/")[0],
                "signal_count": 1,
            }
            tree: dict[str, Any] = {
                "Microscope Info": {
                    "Name": scope.name,
                    "Voltage": kv * 1000.0,
                    "Indicated Magnification": magnification,
                    "Operation Mode": "SCANNING"
                    if metadata["imaging_mode"] == "scanning"
                    else "IMAGING",
                    "Spot": rng.randint(1, 11),
                },
                "Session Info": {"Operator": operator, "Specimen": specimen},
                "Acquisition": {
                    "Exposure (s)": metadata["exposure_time"],
                    "Binning": rng.choice((1, 2, 4)),
                },
            }
            if rng.random() < 0.001:
                tree["Experiment"] = {"Holder": {"Tomography Tilt Step": rng.choice((1, 2, 5))}}
            name = f"{specimen.replace(' ', '_')}_{position:04d}.{extension}"
            file = InstrumentFile(
                id=file_id,
                uid=uuid.uuid4(),
                dataset=dataset,
                original_name=name,
                size=rng.randrange(1 << 20, 1 << 30),
                sha256=uuid.uuid4().hex + uuid.uuid4().hex,
                reader=format_label.split("/")[0],
                format_label=format_label,
                uploaded_by_id=dataset.created_by_id,
                uploaded_at=acquired + dt.timedelta(hours=1),
                status=ExtractionStatus.DONE,
                metadata=metadata,
                signals=[],
                original_metadata={"signals": [{"ImageList": {"TagGroup0": {"ImageTags": tree}}}]},
                acquired_at=acquired,
                instrument=instrument,
            )
            entry, flat = entry_for(file, tags=dataset_tags.get(dataset.pk, []))
            entry.first_indexed_at = entry.indexed_at = file.uploaded_at
            files.append(file)
            entries.append(entry)
            keys.update((dataset.pk, key, value_type(value)) for key, value in flat.items())
            file_id += 1
    with transaction.atomic():
        _write(InstrumentFile, files)
        _write(SearchEntry, entries)
        tally_rebuild(dataset_ids=[dataset.pk for dataset, _ in pending])
        if connection.vendor == "postgresql":
            columns = ["dataset_id", "key", "value_type"]
            _copy(SearchKey, ([d, k, t] for d, k, t in sorted(keys)), columns)
        else:
            rows = [SearchKey(dataset_id=d, key=k, value_type=t) for d, k, t in sorted(keys)]
            SearchKey.objects.bulk_create(rows, batch_size=500)
    return len(files)
