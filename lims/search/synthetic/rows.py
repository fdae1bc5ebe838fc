"""The rows of the synthetic catalogue: file records and their index entries, made a chunk of
datasets at a time. The random draws of a chunk are vectorized with numpy; one pass per file then
puts the values in column order, without model instances (a million ``InstrumentFile`` and
``SearchEntry`` objects and :func:`~lims.search.indexing.entry_for` cost about a millisecond a
file). An entry holds exactly what ``entry_for`` would write for its file: a test compares them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from django.db import models
from django.utils import timezone

from lims.files.models import ExtractionStatus, InstrumentFile
from lims.search.indexing import text_words, value_type
from lims.search.models import SearchEntry, schema_columns
from lims.search.synthetic.vocabulary import (
    FIRST,
    KIND_OF,
    LAST,
    RARE_KEY,
    RARE_SHARE,
    SCOPES,
    WORDS,
)
from lims.search.tally import tally_columns

#: Ten years of acquisitions, before the day the catalogue is made up to.
YEARS_OF_DATA = 10
#: A file is uploaded an hour after it was acquired.
_UPLOAD_DELAY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DatasetPlan:
    """A dataset already created, and how many files it gets."""

    id: int
    project_id: int
    project_name: str
    owner_id: int
    title: str
    description: str
    tags: tuple[str, ...]
    size: int


def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _defaults(model: type[models.Model]) -> list[Any]:
    """Each column's default (None where a default is made per row, such as a uuid)."""
    return [
        None if f.primary_key or (f.has_default() and callable(f.default)) else f.get_default()
        for f in model._meta.concrete_fields
    ]


def _template(model: type[models.Model]) -> list[Any]:
    """The values every synthetic row of ``model`` has: defaults, done, live."""
    row = _defaults(model)
    names = _attnames(model)
    for name, value in (("status", ExtractionStatus.DONE.value), ("signals", []), ("live", True)):
        if name in names:
            row[names.index(name)] = value
    return row


FILE_COLUMNS = _attnames(InstrumentFile)
ENTRY_COLUMNS = _attnames(SearchEntry)
_F = {name: i for i, name in enumerate(FILE_COLUMNS)}
_E = {name: i for i, name in enumerate(ENTRY_COLUMNS)}
#: The tree's leaves and their value types, as the index flattens it (``ImageList.TagGroup0``
#: dropped), for the key typeahead.
TREE_KEYS = {
    "ImageTags.Microscope Info.Name": "text",
    "ImageTags.Microscope Info.Voltage": "number",
    "ImageTags.Microscope Info.Indicated Magnification": "number",
    "ImageTags.Microscope Info.Operation Mode": "text",
    "ImageTags.Microscope Info.Spot": "number",
    "ImageTags.Session Info.Operator": "text",
    "ImageTags.Session Info.Specimen": "text",
    "ImageTags.Acquisition.Exposure (s)": "number",
    "ImageTags.Acquisition.Binning": "number",
}
#: The metadata keys a synthetic file has that are also typed columns of the index.
_METADATA_KEYS = (
    "microscope", "vendor", "technique", "imaging_mode", "kind", "beam_energy", "magnification",
    "pixel_size", "exposure_time", "detector", "operator", "specimen", "format",
)  # fmt: skip
_SCHEMA = [
    (_E[spec.key], spec.key, bool(spec.unit))
    for spec in schema_columns()
    if spec.key in _METADATA_KEYS
]
_TALLY = [(facet, _E[column], divisor) for facet, column, divisor in tally_columns()]
_TECHNIQUES = sorted({t for scope in SCOPES for t in scope.techniques})
_DETECTORS = sorted({d for scope in SCOPES for d in scope.detectors})
_SCANNING = ("STEM", "SEM", "FIB")


def _table(rows: Sequence[Sequence[int]]) -> np.ndarray:
    """Ragged rows of indices as a padded array (a choice per row is ``table[row, k]``)."""
    table = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.int64)
    for i, row in enumerate(rows):
        table[i, : len(row)] = row
    return table


_SCOPE_TECHNIQUES = _table([[_TECHNIQUES.index(t) for t in s.techniques] for s in SCOPES])
_SCOPE_DETECTORS = _table([[_DETECTORS.index(d) for d in s.detectors] for s in SCOPES])
_KINDS = sorted({k for kinds in KIND_OF.values() for k in kinds})
_TECHNIQUE_KINDS = _table([[_KINDS.index(k) for k in KIND_OF[t]] for t in _TECHNIQUES])
_N_TECHNIQUES = np.array([len(s.techniques) for s in SCOPES])
_N_DETECTORS = np.array([len(s.detectors) for s in SCOPES])
_N_KINDS = np.array([len(KIND_OF[t]) for t in _TECHNIQUES])


def _pick(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """One index below each of ``counts``, uniformly."""
    return (rng.random(len(counts)) * counts).astype(np.int64)


@cache
def _technique_kind_words(technique: str, kind: str) -> str:
    return text_words(technique, kind)


@cache
def _detector_words(detector: str) -> str:
    return text_words(detector)


def rows(
    rng: np.random.Generator,
    plans: Sequence[DatasetPlan],
    *,
    first_id: int,
    instrument_ids: Sequence[int],
    until: dt.date,
    keys: set[tuple[int, str, str]],
    tallies: dict[int, Counter[tuple[str, str]]],
) -> Iterator[tuple[list[Any], list[Any]]]:
    """``(file row, entry row)`` for every file of these datasets (ids from ``first_id``),
    values in the order of :data:`FILE_COLUMNS` and :data:`ENTRY_COLUMNS`; the vendor keys they
    hold are added to ``keys`` as ``(dataset id, key, value type)``, and their facet values to
    ``tallies[dataset id]`` (as :func:`~lims.search.tally.tally_rebuild` counts them)."""
    tz = timezone.get_current_timezone()  # months as entry_for counts them (localtime)
    end = dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC).timestamp()
    span = YEARS_OF_DATA * 365 * 86400
    datasets = len(plans)
    sizes = np.array([plan.size for plan in plans], dtype=np.int64)
    n = int(sizes.sum())
    # Per dataset: one session on one microscope, by one operator, of one specimen.
    scope_of = rng.integers(0, len(SCOPES), datasets)
    session = (end - span + rng.integers(0, span, datasets)).tolist()
    operators = [
        f"{FIRST[a]} {LAST[b]}"
        for a, b in zip(
            rng.integers(0, len(FIRST), datasets).tolist(),
            rng.integers(0, len(LAST), datasets).tolist(),
            strict=True,
        )
    ]
    specimens = rng.integers(0, len(WORDS), datasets).tolist()
    kv_pick = rng.random(datasets).tolist()
    format_pick = rng.random(datasets).tolist()
    # Per file.
    file_scope = np.repeat(scope_of, sizes)
    technique = _SCOPE_TECHNIQUES[file_scope, _pick(rng, _N_TECHNIQUES[file_scope])]
    kind = _TECHNIQUE_KINDS[technique, _pick(rng, _N_KINDS[technique])]
    detector = _SCOPE_DETECTORS[file_scope, _pick(rng, _N_DETECTORS[file_scope])].tolist()
    magnification = np.round(10 ** rng.uniform(2.5, 6.5, n), -1)
    pixel_size = np.round(1e-3 / magnification * rng.uniform(0.5, 2.0, n), 15).tolist()
    exposure = np.round(10 ** rng.uniform(-4, 1, n), 6).tolist()
    step = rng.integers(5, 120, n).tolist()
    spot = rng.integers(1, 12, n).tolist()
    binning = rng.choice((1, 2, 4), n).tolist()
    rare = (rng.random(n) < RARE_SHARE).tolist()
    tilt = rng.choice((1, 2, 5), n).tolist()
    size = rng.integers(1 << 20, 1 << 30, n).tolist()
    sha = rng.bytes(32 * n).hex()
    technique, kind = technique.tolist(), kind.tolist()
    magnification = magnification.tolist()

    file_template = _template(InstrumentFile)
    entry_template = _template(SearchEntry)
    i = 0
    file_id = first_id
    for d, plan in enumerate(plans):
        scope = SCOPES[int(scope_of[d])]
        instrument_id = instrument_ids[int(scope_of[d])]
        operator, specimen = operators[d], WORDS[specimens[d]]
        kv = scope.kvs[int(kv_pick[d] * len(scope.kvs))]
        extension, format_label = scope.formats[int(format_pick[d] * len(scope.formats))]
        reader = format_label.split("/")[0]
        tags = sorted({t.lower() for t in plan.tags})
        stem = f"{specimen.replace(' ', '_')}_"
        name_words = f" {text_words(extension)}"
        text_b = text_words(
            scope.name, scope.name, scope.vendor, plan.title, plan.project_name, tags
        )
        text_c_head = text_words(plan.description[:2000])
        text_c_tail = text_words(operator, specimen, format_label, reader)
        specimen_words = text_words(stem)
        tag_column = ("|" + "|".join(tags) + "|")[:2000] if tags else ""
        keys.update((plan.id, key, kind_of) for key, kind_of in TREE_KEYS.items())
        tally = tallies.setdefault(plan.id, Counter())
        start = session[d]
        for position in range(plan.size):
            technique_name = _TECHNIQUES[technique[i]]
            kind_name = _KINDS[kind[i]]
            detector_name = _DETECTORS[detector[i]]
            mag = magnification[i]
            scanning = technique_name in _SCANNING
            acquired_at = dt.datetime.fromtimestamp(start + position * step[i], tz)
            # Timestamps and uids as text, formatted once (every backend parses them).
            acquired = acquired_at.isoformat()
            uploaded = (acquired_at + _UPLOAD_DELAY).isoformat()
            metadata = {
                "acquired_at": acquired,
                "microscope": scope.name,
                "vendor": scope.vendor,
                "technique": technique_name,
                "imaging_mode": "scanning" if scanning else "imaging",
                "kind": kind_name,
                "beam_energy": kv * 1000.0,
                "magnification": mag,
                "pixel_size": pixel_size[i],
                "exposure_time": exposure[i],
                "detector": detector_name,
                "operator": operator,
                "specimen": specimen,
                "format": reader,
                "signal_count": 1,
            }
            microscope_info = {
                "Name": scope.name,
                "Voltage": kv * 1000.0,
                "Indicated Magnification": mag,
                "Operation Mode": "SCANNING" if scanning else "IMAGING",
                "Spot": spot[i],
            }
            tree: dict[str, Any] = {
                "Microscope Info": microscope_info,
                "Session Info": {"Operator": operator, "Specimen": specimen},
                "Acquisition": {"Exposure (s)": exposure[i], "Binning": binning[i]},
            }
            flat = {
                "ImageTags.Microscope Info.Name": scope.name,
                "ImageTags.Microscope Info.Voltage": kv * 1000.0,
                "ImageTags.Microscope Info.Indicated Magnification": mag,
                "ImageTags.Microscope Info.Operation Mode": microscope_info["Operation Mode"],
                "ImageTags.Microscope Info.Spot": spot[i],
                "ImageTags.Session Info.Operator": operator,
                "ImageTags.Session Info.Specimen": specimen,
                "ImageTags.Acquisition.Exposure (s)": exposure[i],
                "ImageTags.Acquisition.Binning": binning[i],
            }
            if rare[i]:
                tree["Experiment"] = {"Holder": {"Tomography Tilt Step": tilt[i]}}
                flat[RARE_KEY] = tilt[i]
                keys.add((plan.id, RARE_KEY, value_type(tilt[i])))
            number = f"{position:04d}"
            uid = str(uuid.uuid4())
            file = file_template.copy()
            file[_F["id"]] = file_id
            file[_F["uid"]] = uid
            file[_F["dataset_id"]] = plan.id
            file[_F["original_name"]] = name = f"{stem}{number}.{extension}"
            file[_F["size"]] = size[i]
            file[_F["sha256"]] = sha[64 * i : 64 * i + 64]
            file[_F["reader"]] = reader
            file[_F["format_label"]] = format_label
            file[_F["uploaded_by_id"]] = plan.owner_id
            file[_F["uploaded_at"]] = uploaded
            file[_F["metadata"]] = metadata
            file[_F["original_metadata"]] = {
                "signals": [{"ImageList": {"TagGroup0": {"ImageTags": tree}}}]
            }
            file[_F["acquired_at"]] = acquired
            file[_F["instrument_id"]] = instrument_id
            entry = entry_template.copy()
            entry[_E["file_id"]] = file_id
            entry[_E["dataset_id"]] = plan.id
            entry[_E["project_id"]] = plan.project_id
            entry[_E["instrument_id"]] = instrument_id
            entry[_E["uploaded_by_id"]] = plan.owner_id
            entry[_E["uid"]] = uid
            entry[_E["name"]] = name
            entry[_E["format_label"]] = format_label
            entry[_E["size"]] = size[i]
            entry[_E["uploaded_at"]] = uploaded
            entry[_E["acquired_at"]] = acquired
            entry[_E["acquired_month"]] = acquired_at.year * 100 + acquired_at.month
            entry[_E["beam_kv"]] = kv
            entry[_E["magnification_decade"]] = math.floor(math.log10(mag) + 1e-9)
            entry[_E["pixel_size_decade"]] = math.floor(math.log10(pixel_size[i]) + 1e-9)
            entry[_E["tags"]] = tag_column
            entry[_E["text_a"]] = f"{specimen_words} {number}{name_words}"
            entry[_E["text_b"]] = f"{text_b} {_technique_kind_words(technique_name, kind_name)}"
            entry[_E["text_c"]] = f"{text_c_head} {_detector_words(detector_name)} {text_c_tail}"
            entry[_E["tree"]] = flat
            entry[_E["first_indexed_at"]] = uploaded
            entry[_E["indexed_at"]] = uploaded
            for column, key, is_number in _SCHEMA:
                value = metadata[key]
                entry[column] = float(value) if is_number else str(value)[:200]
            for facet, column, divisor in _TALLY:
                value = entry[column]
                if value is not None and value != "":
                    tally[facet, str(value // divisor if divisor > 1 else value)[:200]] += 1
            yield file, entry
            i += 1
            file_id += 1


#: The columns a file's rows set (the others keep their defaults).
FILE_VARYING = (
    "id", "uid", "dataset_id", "original_name", "size", "sha256", "reader", "format_label",
    "uploaded_by_id", "uploaded_at", "metadata", "original_metadata", "acquired_at",
    "instrument_id",
)  # fmt: skip
ENTRY_VARYING = (
    "file_id", "dataset_id", "project_id", "instrument_id", "uploaded_by_id", "uid", "name",
    "format_label", "size", "uploaded_at", "acquired_at", "acquired_month", "beam_kv",
    "magnification_decade", "pixel_size_decade", "tags", "text_a", "text_b", "text_c", "tree",
    "first_indexed_at", "indexed_at", *(ENTRY_COLUMNS[column] for column, _, _ in _SCHEMA),
)  # fmt: skip
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPE = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_JSON = json.JSONEncoder(separators=(",", ":")).encode


def _escaped(text: str) -> str:
    """Text as COPY reads it (most texts have nothing to escape: one search)."""
    if _SPECIAL.search(text) is None:
        return text
    return _SPECIAL.sub(lambda match: _ESCAPE[match.group()], text)


def _json(value: Any) -> str:
    return _escaped(_JSON(value))


_TEXT = {
    str: _escaped,
    int: str,
    float: repr,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: "\\N",
    dict: _json,
    list: _json,
    dt.datetime: dt.datetime.isoformat,
    uuid.UUID: str,
}


def copy_line(values: Sequence[Any]) -> str:
    """One row in PostgreSQL's COPY text format."""
    return "\t".join([_TEXT[type(value)](value) for value in values]) + "\n"


class LineFormat:
    """COPY text of the rows :func:`rows` makes for one model, fast: the columns every row has
    the same are formatted once, the others (``varying``) go through ``str.format`` (numbers
    and texts as they are, JSON encoded). The texts come from :mod:`.vocabulary`, which holds
    nothing COPY or JSON would escape (checked there)."""

    def __init__(self, model: type[models.Model], varying: Sequence[str]) -> None:
        names = _attnames(model)
        template = _template(model)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.varying = [names.index(name) for name in varying]
        self.json = {i for i in self.varying if isinstance(fields[names[i]], models.JSONField)}
        parts = [
            "{}"
            if i in self.varying
            else copy_line([value])[:-1].replace("{", "{{").replace("}", "}}")
            for i, value in enumerate(template)
        ]
        self._format = ("\t".join(parts) + "\n").format

    def line(self, row: list[Any]) -> str:
        json_columns = self.json
        return self._format(*[_JSON(row[i]) if i in json_columns else row[i] for i in self.varying])
