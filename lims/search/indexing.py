"""Keeping the search index fresh: one :class:`SearchEntry` per file, written from the file, its
dataset, project, instrument, tags and comments, and the vendor keys it holds.

:func:`search_index_files` is the one writer. The receivers (:mod:`lims.search.receivers`) call
it when a file is saved (an extraction finishing, a trash or restore), and for a dataset,
project, instrument or comment that changes, either at once or, for many files, through the
``search.reindex`` task. ``python manage.py search_reindex`` rebuilds everything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from lims.comments.models import Comment
from lims.core.tasks import send
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.notes.models import Note
from lims.search.models import SearchEntry, SearchKey, schema_columns
from lims.search.tally import (
    tally_change,
    tally_entries_locked,
    tally_lock,
    tally_of,
    tally_rebuild,
)

#: Reindexing more files than this after a dataset, project or instrument changes goes to the
#: ``search.reindex`` task (after the commit) instead of the request.
SYNC_LIMIT = 1000
BATCH = 1000
#: Bounds on what one file puts in the index.
MAX_KEYS = 3000
MAX_TEXT = 200
MAX_COMMENTS_TEXT = 4000
#: Path segments of vendor trees that only number containers (DigitalMicrograph's
#: ``ImageList.TagGroup1.ImageTags…`` reads as ``ImageTags…``).
_CONTAINER = re.compile(r"^(TagGroup\d+|ImageList|\d+)$")
_SPLIT = re.compile(r"[\W_]+")
#: The top of the user metadata's keys in the vendor tree (``"Notes.sample ID" = GR-17``).
NOTES = "Notes"


def flatten_tree(tree: Any) -> dict[str, Any]:
    """A vendor tree as ``{"A.B.C": leaf}``: numbers, flags and texts (short lists of them as
    text); container segments dropped; at most :data:`MAX_KEYS` keys."""
    flat: dict[str, Any] = {}

    def walk(node: Any, path: list[str]) -> None:
        if len(flat) >= MAX_KEYS:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                segment = str(key).replace("\x00", "").strip()
                walk(value, path if _CONTAINER.match(segment) else [*path, segment])
            return
        if not path:
            return
        key = ".".join(path)[:300]
        if isinstance(node, bool) or (
            isinstance(node, int | float) and math.isfinite(node) and abs(node) < 1e300
        ):
            flat[key] = node
        elif isinstance(node, str):
            flat[key] = node.replace("\x00", "")[:MAX_TEXT]
        elif (
            isinstance(node, list)
            and 0 < len(node) <= 16
            and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in node)
        ):
            flat[key] = ", ".join(str(v) for v in node)[:MAX_TEXT]

    walk(tree, [])
    return flat


def vendor_tree(original_metadata: Any, primary: Any) -> dict[str, Any]:
    """The flattened tree of a file: its primary signal's, then keys only others hold."""
    signals = original_metadata.get("signals") if isinstance(original_metadata, dict) else None
    if not isinstance(signals, list) or not signals:
        return {}
    first = primary if isinstance(primary, int) and 0 <= primary < len(signals) else 0
    flat = flatten_tree(signals[first])
    for position, tree in enumerate(signals[:8]):
        if position != first:
            for key, value in flatten_tree(tree).items():
                if len(flat) >= MAX_KEYS:
                    break
                flat.setdefault(key, value)
    return flat


def value_type(value: Any) -> str:
    """The type offered by the typeahead for a vendor value: number, flag or text."""
    if isinstance(value, bool):
        return "flag"
    return "number" if isinstance(value, int | float) else "text"


def text_words(*values: Any) -> str:
    """Texts for the full-text columns, split at every character that is not a letter or a
    digit (``SI_0012.dm3`` and ``GR-17`` are words a query's parts match; PostgreSQL's parser
    would keep ``-17`` or a file name whole)."""
    parts: list[str] = []
    for value in values:
        if isinstance(value, list | tuple):
            parts.extend(str(v) for v in value if v)
        elif value:
            parts.append(str(value))
    return _SPLIT.sub(" ", " ".join(parts)).strip()


def _decade(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return math.floor(math.log10(value) + 1e-9)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _text(value: Any) -> str | None:
    return str(value)[:200] if value not in (None, "") else None


def entry_for(
    file: InstrumentFile,
    comments: str = "",
    tags: list[str] | None = None,
    notes: Sequence[tuple[str, str, float | None, str]] = (),
) -> tuple[SearchEntry, dict[str, Any]]:
    """The index entry of a file (its dataset, project and instrument loaded; its own and its
    dataset's tags read unless given), with the user metadata (notes: key, value, number,
    unit) of the file and its dataset, and its flattened vendor tree (the notes in it too,
    under ``Notes.<key>``)."""
    metadata = file.metadata if isinstance(file.metadata, dict) else {}
    dataset, project = file.dataset, file.dataset.project
    if tags is None:
        tags = [t.name for t in dataset.tags.all()] + [t.name for t in file.tags.all()]
    tags = sorted({t.lower() for t in tags})
    tree = vendor_tree(file.original_metadata, metadata.get("primary_signal"))
    for key, value, number, _unit in notes:
        tree.setdefault(f"{NOTES}.{key}"[:300], number if number is not None else value[:200])
    notes_text = " ".join(f"{key} {value} {unit}" for key, value, _n, unit in notes)
    acquired = timezone.localtime(file.acquired_at) if file.acquired_at else None
    beam = _number(metadata.get("beam_energy"))
    name = file.original_name
    entry = SearchEntry(
        file_id=file.pk,
        uid=file.uid,
        dataset_id=dataset.pk,
        project_id=project.pk,
        instrument_id=file.instrument_id,
        uploaded_by_id=file.uploaded_by_id,
        live=file.deleted_at is None and dataset.deleted_at is None and project.deleted_at is None,
        status=file.status,
        name=name[:255],
        format_label=file.format_label,
        size=file.size,
        uploaded_at=file.uploaded_at,
        acquired_at=file.acquired_at,
        acquired_month=acquired.year * 100 + acquired.month if acquired else None,
        beam_kv=round(beam / 1000) if beam is not None else None,
        magnification_decade=_decade(metadata.get("magnification")),
        pixel_size_decade=_decade(metadata.get("pixel_size")),
        tags=("|" + "|".join(tags) + "|")[:2000] if tags else "",
        thumbnail=file.thumbnail.name or "",
        text_a=text_words(name, metadata.get("title")),
        text_b=text_words(
            metadata.get("microscope"),
            file.instrument.name if file.instrument else None,
            metadata.get("instrument_model"),
            metadata.get("vendor"),
            dataset.title,
            project.name,
            tags,
            metadata.get("techniques") or metadata.get("technique"),
            metadata.get("kinds") or metadata.get("kind"),
        ),
        text_c=text_words(
            dataset.description[:2000],
            metadata.get("detectors") or metadata.get("detector"),
            metadata.get("operator"),
            metadata.get("specimen"),
            metadata.get("software"),
            metadata.get("elements"),
            file.folder,
            file.external_path,
            file.format_label,
            metadata.get("format"),
            notes_text,
            comments,
        ),
        tree=tree,
    )
    for spec in schema_columns():
        value = metadata.get(spec.key)
        setattr(entry, spec.key, _number(value) if spec.unit else _text(value))
    return entry, tree


def _notes_by_target(
    files: list[InstrumentFile],
) -> dict[tuple[str, int], list[tuple[str, str, float | None, str]]]:
    """The notes (user metadata) on these files and on their datasets, per target."""
    notes: dict[tuple[str, int], list[tuple[str, str, float | None, str]]] = {}
    rows = Note.objects.filter(
        Q(file_id__in=[f.pk for f in files]) | Q(dataset_id__in={f.dataset_id for f in files})
    ).order_by("id")
    for file_id, dataset_id, key, value, number, unit in rows.values_list(
        "file_id", "dataset_id", "key", "value", "number", "unit"
    ):
        target = ("file", file_id) if file_id else ("dataset", dataset_id)
        notes.setdefault(target, []).append((key, value, number, unit))
    return notes


def _comments_by_target(files: list[InstrumentFile]) -> dict[tuple[str, int], str]:
    """The comments' words on these files and on their datasets, one text per target."""
    file_ids = [f.pk for f in files]
    dataset_ids = {f.dataset_id for f in files}
    texts: dict[tuple[str, int], str] = {}
    rows = Comment.objects.filter(Q(file_id__in=file_ids) | Q(dataset_id__in=dataset_ids))
    for file_id, dataset_id, body in rows.values_list("file_id", "dataset_id", "body"):
        target = ("file", file_id) if file_id else ("dataset", dataset_id)
        if len(texts.get(target, "")) < MAX_COMMENTS_TEXT:
            texts[target] = (texts.get(target, "") + " " + body)[:MAX_COMMENTS_TEXT]
    return texts


@cache
def _update_fields() -> list[str]:
    """The columns an existing entry gets anew (all but its file and first indexing)."""
    return [
        f.name
        for f in SearchEntry._meta.concrete_fields
        if f.name not in ("file", "first_indexed_at")
    ]


def search_index_files(*, file_ids: Iterable[int]) -> int:
    """Write the index entries (and vendor keys) of these files; returns how many were written.

    Each batch is one transaction that changes the tallies by what its entries changed
    (:func:`lims.search.tally.tally_change`): the cost of indexing a file does not grow with
    its dataset. Files that no longer exist are skipped (their entries went with them)."""
    ids = sorted(set(file_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        files = list(
            InstrumentFile.objects.filter(id__in=ids[start : start + BATCH])
            .select_related("dataset__project", "instrument")
            .prefetch_related("dataset__tags", "tags")
        )
        if files:
            # no savepoint inside a caller's transaction (two round trips less per file)
            with transaction.atomic(savepoint=False):
                written += _index_batch(files)
    return written


def search_index_saved(*, file: InstrumentFile) -> None:
    """Write the entry of a file just saved whole, from the instance in hand: what the save
    wrote is what is indexed, so the file (and its JSON, hundreds of kB to read and decode
    again) is not read back; its dataset, project and instrument are read only when the
    instance has not got them, and the tags always."""
    prefetch_related_objects([file], "dataset__project", "dataset__tags", "tags")
    with transaction.atomic(savepoint=False):
        _index_batch([file])


def _index_batch(files: list[InstrumentFile]) -> int:
    datasets = {f.dataset_id for f in files}
    tally_lock(dataset_ids=datasets)
    current = SearchEntry.objects.filter(file_id__in=[f.pk for f in files])
    before = tally_of(tally_entries_locked(current))  # locked until the commit
    # A file moved to another dataset leaves its old dataset's tallies too.
    moved_from = {dataset for dataset, _, _ in before} - datasets
    tally_lock(dataset_ids=moved_from)
    comments = _comments_by_target(files)
    notes = _notes_by_target(files)
    entries, keys = [], set()
    for file in files:
        text = comments.get(("file", file.pk), "") + comments.get(("dataset", file.dataset_id), "")
        annotations = notes.get(("file", file.pk), []) + notes.get(("dataset", file.dataset_id), [])
        entry, tree = entry_for(file, text, notes=annotations)
        entries.append(entry)
        keys.update((file.dataset_id, k, value_type(v)) for k, v in tree.items())
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["file"],
        update_fields=_update_fields(),
    )
    _keys_add(sorted(keys))
    tally_change(
        before=before,
        after=tally_of(entries),
        dataset_tags={f.dataset_id: [t.name for t in f.dataset.tags.all()] for f in files},
    )
    return len(entries)


def _keys_add(keys: list[tuple[int, str, str]]) -> None:
    """Record these ``(dataset id, key, value type)`` for the typeahead (known ones stay): on
    PostgreSQL one statement over three arrays, not hundreds of model instances a file."""
    if not keys:
        return
    if connection.vendor != "postgresql":
        SearchKey.objects.bulk_create(
            [SearchKey(dataset_id=d, key=k, value_type=t) for d, k, t in keys],
            ignore_conflicts=True,
            batch_size=2000,
        )
        return
    datasets, names, types = (list(column) for column in zip(*keys, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SearchKey._meta.db_table} (dataset_id, key, value_type) "
            "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[]) "
            "ON CONFLICT DO NOTHING",
            [datasets, names, types],
        )


def search_status_update(*, file: InstrumentFile) -> None:
    """Copy a file's extraction status alone into its entry (a run starting or failing): its
    old status leaves the tally and the new one enters, in four statements; a file without an
    entry (or whose entry is in another dataset) is indexed whole."""
    with transaction.atomic(savepoint=False):
        tally_lock(dataset_ids=[file.dataset_id])
        current = SearchEntry.objects.filter(file_id=file.pk)
        entries = tally_entries_locked(current)
        if not entries or entries[0].dataset_id != file.dataset_id:
            search_index_files(file_ids=[file.pk])  # moved, or never indexed
            return
        before = tally_of(entries)
        if entries[0].status == file.status:
            return
        current.update(status=file.status)
        entries[0].status = file.status
        tally_change(before=before, after=tally_of(entries))


def search_reindex(
    *,
    dataset_ids: Iterable[int] = (),
    project_ids: Iterable[int] = (),
    instrument_ids: Iterable[int] = (),
    everything: bool = False,
) -> int:
    """Reindex every file of these datasets, projects and instruments (or all files)."""
    files = InstrumentFile.objects.all()
    if not everything:
        files = files.filter(
            Q(dataset_id__in=list(dataset_ids))
            | Q(dataset__project_id__in=list(project_ids))
            | Q(instrument_id__in=list(instrument_ids))
        )
    written = 0
    for batch in _batches(files.order_by("id").values_list("id", flat=True).iterator(10_000)):
        written += search_index_files(file_ids=batch)
    # A dataset's tags count its every entry: the one change indexing alone does not follow
    # (and a rebuild of everything recounts everything).
    rebuilt = Dataset.objects.values_list("pk", flat=True) if everything else dataset_ids
    for batch in _batches(iter(rebuilt)):
        tally_rebuild(dataset_ids=batch)
    return written


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for file_id in ids:
        batch.append(file_id)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def search_live_update(*, dataset_ids: Iterable[int] = (), project_ids: Iterable[int] = ()) -> None:
    """Set ``live`` of the entries of these datasets and projects from the trash state, in one
    statement (so deleting a project hides its files from search at once)."""
    entries = SearchEntry.objects.filter(
        Q(dataset_id__in=list(dataset_ids)) | Q(project_id__in=list(project_ids))
    )
    entries.filter(
        Q(file__deleted_at__isnull=False)
        | Q(dataset__deleted_at__isnull=False)
        | Q(project__deleted_at__isnull=False)
    ).update(live=False)
    entries.filter(
        file__deleted_at__isnull=True,
        dataset__deleted_at__isnull=True,
        project__deleted_at__isnull=True,
    ).update(live=True)
    tally_rebuild(dataset_ids=set(entries.values_list("dataset_id", flat=True).distinct()))


def search_reindex_soon(
    *,
    dataset_ids: Iterable[int] = (),
    project_ids: Iterable[int] = (),
    instrument_ids: Iterable[int] = (),
) -> None:
    """Reindex the files of what changed: now when they are few, else in the
    ``search.reindex`` task once the transaction commits."""
    datasets, projects, instruments = list(dataset_ids), list(project_ids), list(instrument_ids)
    files = InstrumentFile.objects.filter(
        Q(dataset_id__in=datasets)
        | Q(dataset__project_id__in=projects)
        | Q(instrument_id__in=instruments)
    )
    if files[: SYNC_LIMIT + 1].count() <= SYNC_LIMIT:
        search_index_files(file_ids=files.values_list("id", flat=True))
        tally_rebuild(dataset_ids=datasets)  # their tags (see search_reindex)
        return
    transaction.on_commit(lambda: send("search.reindex", args=[datasets, projects, instruments]))


def search_changes_prune() -> int:
    """Delete the change log's rows older than ``LIMS_SEARCH_CHANGES_KEEP_S`` (a process that
    has not looked for that long reloads its matrix instead); returns how many."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM search_change WHERE changed_at < clock_timestamp() - %s * interval '1 s'",
            [settings.LIMS_SEARCH_CHANGES_KEEP_S],
        )
        return cursor.rowcount
