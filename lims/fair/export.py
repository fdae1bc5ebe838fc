"""Export as an RO-Crate: a zip of the original files (with their companions), one metadata
JSON per file, a CSV table of every file's normalized metadata, the dataset's own metadata
and comments, and ``ro-crate-metadata.json`` describing them all with schema.org terms.

The zip is written while it is sent (a generator of byte pieces): nothing is copied to a
temporary file, originals are read in 1 MiB pieces, and the rows are read from the database
in chunks, so a 20 GB dataset leaves at constant memory (the archive's central directory and
the paths, about a hundred bytes per file, are all that grows). Originals are stored
uncompressed (instrument data rarely compresses, and every byte would cost CPU); the
metadata files are deflated.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from extraction import FILE_FIELDS
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.comments.models import Comment
from lims.core.delivery import private
from lims.datasets.models import Dataset
from lims.fair import crate
from lims.fair.describe import Absolute, citation, dataset_identifier
from lims.fair.licenses import license_ref
from lims.files.downloads import CHUNK, ZipPipe, open_original
from lims.files.models import CompanionFile, InstrumentFile
from lims.instruments.models import Instrument
from lims.notes.models import Note

#: Columns of ``metadata/files.csv``: the file's identity, then every normalized field that a
#: table shows, in the schema's order (values in SI units: the header names the unit).
CSV_FIELDS = [spec for spec in FILE_FIELDS if spec.in_table]
CSV_HEADER = [
    "uid",
    "path",
    "original_name",
    "dataset",
    "size",
    "sha256",
    "status",
    *[f"{spec.key} [{spec.unit}]" if spec.unit else spec.key for spec in CSV_FIELDS],
]
ROWS_PER_QUERY = 200


@dataclass
class ExportSource:
    """What to export: files (already found through the permission seam) and, for a whole
    dataset, the dataset with its comments."""

    files: QuerySet[InstrumentFile]
    name: str
    description: str
    dataset: Dataset | None = None
    comments: QuerySet[Comment] | None = None
    query: str = ""
    paths: dict[int, str] = field(default_factory=dict)
    companion_paths: dict[int, list[str]] = field(default_factory=dict)
    project_shown: bool = True  # may the exporter see the dataset's project (and so its name)?


def _zip_time(moment: datetime | None) -> tuple[int, int, int, int, int, int]:
    moment = timezone.localtime(moment or timezone.now())
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)


def _entry(name: str, moment: datetime | None, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time(moment))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _copy(source: IO[bytes], target: IO[bytes], pipe: ZipPipe) -> Iterator[bytes]:
    while chunk := source.read(CHUNK):
        target.write(chunk)
        yield pipe.take()


def _text(parts: Iterator[str], target: IO[bytes], pipe: ZipPipe) -> Iterator[bytes]:
    buffered: list[str] = []
    size = 0
    for part in parts:
        buffered.append(part)
        size += len(part)
        if size >= CHUNK:
            target.write("".join(buffered).encode())
            buffered, size = [], 0
            yield pipe.take()
    target.write("".join(buffered).encode())


def _file_rows(source: ExportSource) -> Iterator[InstrumentFile]:
    """The files again, in the same order, without their heavy JSON (signals, vendor trees)."""
    files = source.files.select_related("dataset", "instrument").order_by("id")
    files = files.defer("signals", "original_metadata")
    return files.iterator(chunk_size=ROWS_PER_QUERY)


def _file_metadata(instrument_file: InstrumentFile, absolute: Absolute) -> str:
    body = {
        "uid": str(instrument_file.uid),
        "original_name": instrument_file.original_name,
        "folder": instrument_file.folder,
        "dataset": str(instrument_file.dataset.uid),
        "url": absolute(instrument_file.get_absolute_url()),
        "size": instrument_file.size,
        "sha256": instrument_file.sha256,
        "format": instrument_file.format_label,
        "reader": instrument_file.reader,
        "status": instrument_file.status,
        "status_message": instrument_file.status_message,
        "extractor_version": instrument_file.extractor_version,
        "acquired_at": instrument_file.acquired_at.isoformat()
        if instrument_file.acquired_at
        else None,
        "instrument": instrument_file.instrument.name if instrument_file.instrument_id else None,
        "units": {spec.key: spec.unit for spec in FILE_FIELDS if spec.unit},
        "metadata": instrument_file.metadata,
        "signals": instrument_file.signals,
        "original_metadata": instrument_file.original_metadata,
        "notes": _notes(instrument_file.notes.all()),
    }
    return json.dumps(body, ensure_ascii=False, indent=1, default=str)


def _notes(notes: Any) -> list[dict[str, Any]]:
    """User metadata as exported: key, value, number, unit, who wrote it and when."""
    return [
        {
            "key": note.key,
            "value": note.value,
            "number": note.number,
            "unit": note.unit,
            "by": note.created_by.get_username() if note.created_by_id else None,
            "updated_at": note.updated_at.isoformat(),
        }
        for note in notes
    ]


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _csv_rows(source: ExportSource) -> Iterator[str]:
    sink = io.StringIO()
    writer = csv.writer(sink)
    writer.writerow(CSV_HEADER)
    for instrument_file in _file_rows(source):
        metadata = instrument_file.metadata or {}
        writer.writerow(
            [
                instrument_file.uid,
                source.paths.get(instrument_file.pk, ""),
                instrument_file.original_name,
                instrument_file.dataset.uid,
                instrument_file.size,
                instrument_file.sha256,
                instrument_file.status,
                *[_csv_value(metadata.get(spec.key)) for spec in CSV_FIELDS],
            ]
        )
        yield sink.getvalue()
        sink.seek(0)
        sink.truncate()


def _dataset_json(dataset: Dataset, absolute: Absolute, project_shown: bool) -> str:
    project = {"slug": dataset.project.slug, "name": dataset.project.name}
    body = {
        "uid": str(dataset.uid),
        "title": dataset.title,
        "description": dataset.description,
        "project": project if project_shown else None,
        "tags": [tag.name for tag in dataset.tags.all()],
        "license": dataset.license,
        "doi": dataset.doi,
        "notes": _notes(dataset.notes.select_related("created_by")),
        "identifier": dataset_identifier(dataset, absolute),
        "citation": citation(dataset, absolute),
        "created_by": dataset.created_by.get_username(),
        "created_at": dataset.created_at.isoformat(),
        "modified_at": dataset.modified_at.isoformat(),
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def _comments_json(comments: QuerySet[Comment]) -> Iterator[str]:
    yield "[\n"
    first = True
    for comment in comments.select_related("author", "file").iterator(chunk_size=500):
        item = {
            "author": comment.author.get_username(),
            "file": str(comment.file.uid) if comment.file_id else None,
            "body": comment.body,
            "created_at": comment.created_at.isoformat(),
            "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        }
        yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n]\n"


def _extra_files(source: ExportSource) -> list[tuple[str, str, str]]:
    """(path, name, media type) of the files the export writes about the data."""
    extra = [("metadata/files.csv", "Normalized metadata of every file", "text/csv")]
    if source.dataset is not None:
        extra.append(("dataset.json", "The dataset's own metadata", "application/json"))
        extra.append(("comments.json", "Comments on the dataset and its files", "application/json"))
    return extra


def _crate_entities(source: ExportSource, absolute: Absolute) -> Iterator[dict[str, Any]]:
    dataset = source.dataset
    parts: list[str] = []
    for pk, path in source.paths.items():
        parts.append(path)
        parts.extend(source.companion_paths.get(pk, []))
    parts.extend(f"metadata/{uid}.json" for uid in source.files.values_list("uid", flat=True))
    extra_files = _extra_files(source)
    parts.extend(path for path, _, _ in extra_files)
    root_extra: dict[str, Any] = {}
    license = dataset.license if dataset is not None else ""
    if dataset is not None:
        root_extra = {
            "identifier": dataset_identifier(dataset, absolute),
            "url": absolute(dataset.get_absolute_url()),
            "creator": {"@id": f"#creator-{dataset.created_by_id}"},
            "dateCreated": dataset.created_at.isoformat(),
            "dateModified": dataset.modified_at.isoformat(),
            "keywords": [tag.name for tag in dataset.tags.all()],
            "citation": citation(dataset, absolute),
        }
        if license:
            root_extra["license"] = {"@id": license_ref(license)}
    else:
        root_extra = {"url": absolute(source.query), "license": {"@id": crate.MIXED_LICENSES}}
    yield crate.descriptor()
    yield crate.root_entity(
        name=source.name,
        description=source.description,
        date_published=timezone.now().isoformat(),
        parts=parts,
        extra=root_extra,
    )
    for instrument_file in _file_rows(source):
        path = source.paths[instrument_file.pk]
        yield crate.file_entity(instrument_file, path, absolute)
        yield crate.metadata_entity(instrument_file, path)
    companions = CompanionFile.objects.filter(parent__in=source.files).order_by("parent_id", "id")
    index: dict[int, int] = {}
    for companion in companions.iterator(chunk_size=ROWS_PER_QUERY):
        position = index.get(companion.parent_id, 0)
        index[companion.parent_id] = position + 1
        path = source.companion_paths[companion.parent_id][position]
        yield crate.companion_entity(companion, path, source.paths[companion.parent_id])
    for path, name, media_type in extra_files:
        yield {"@id": path, "@type": "File", "name": name, "encodingFormat": media_type}
    instruments = Instrument.objects.filter(files__in=source.files).distinct().order_by("pk")
    licenses = source.files.order_by().values_list("dataset__license", flat=True).distinct()
    yield from crate.contextual_entities(
        dataset=dataset, instruments=instruments, licenses=list(licenses)
    )


def export_stream(source: ExportSource, absolute: Absolute) -> Iterator[bytes]:
    """The export's bytes, piece by piece (see the module's docstring)."""
    pipe = ZipPipe()
    book = crate.PathBook()
    companions = Prefetch("companions", CompanionFile.objects.order_by("id"))
    files = (
        source.files.select_related("dataset", "instrument")
        .prefetch_related(None)
        .prefetch_related(companions, Prefetch("notes", Note.objects.select_related("created_by")))
    )
    with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
        for instrument_file in files.order_by("id").iterator(chunk_size=ROWS_PER_QUERY):
            uid = str(instrument_file.uid)
            path = book.claim(crate.data_path(instrument_file, instrument_file.folder), uid)
            source.paths[instrument_file.pk] = path
            members: list[tuple[InstrumentFile | CompanionFile, str]] = [(instrument_file, path)]
            for companion in instrument_file.companions.all():
                companion_path = book.claim(
                    crate.data_path(companion, instrument_file.folder), f"{uid}-{companion.pk}"
                )
                source.companion_paths.setdefault(instrument_file.pk, []).append(companion_path)
                members.append((companion, companion_path))
            for item, item_path in members:
                entry = _entry(item_path, instrument_file.uploaded_at, compress=False)
                with (
                    open_original(item) as original,
                    archive.open(entry, "w", force_zip64=True) as target,
                ):
                    yield from _copy(original, target, pipe)
                yield pipe.take()
            entry = _entry(crate.metadata_path(instrument_file), None, compress=True)
            with archive.open(entry, "w") as target:
                target.write(_file_metadata(instrument_file, absolute).encode())
            yield pipe.take()
        with archive.open(_entry("metadata/files.csv", None, compress=True), "w") as target:
            yield from _text(_csv_rows(source), target, pipe)
        yield pipe.take()
        if source.dataset is not None:
            with archive.open(_entry("dataset.json", None, compress=True), "w") as target:
                target.write(_dataset_json(source.dataset, absolute, source.project_shown).encode())
            if source.comments is not None:
                with archive.open(_entry("comments.json", None, compress=True), "w") as target:
                    yield from _text(_comments_json(source.comments), target, pipe)
            yield pipe.take()
        entry = _entry(crate.METADATA_NAME, None, compress=True)
        with archive.open(entry, "w") as target:
            entities = _crate_entities(source, absolute)
            yield from _text(crate.crate_json(entities), target, pipe)
        yield pipe.take()
    yield pipe.take()


def export_response(source: ExportSource, request: HttpRequest, filename: str) -> HttpResponse:
    """The export as a streamed download named ``filename`` (recorded in the audit log)."""
    audit_record(
        action=AuditAction.DOWNLOAD,
        actor=request.user,
        target=source.dataset,
        detail={"what": "ro-crate export", "query": source.query}
        if source.query
        else {"what": "ro-crate export"},
    )
    response = StreamingHttpResponse(
        export_stream(source, request.build_absolute_uri), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return private(response)
