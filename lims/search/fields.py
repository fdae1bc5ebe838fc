"""What a field filter can name: the schema's typed columns, dates, and the file's relations.

Every quantity of the typed schema (``extraction/schema.py``) is a field under its JSON key,
stored in the schema's unit; a few have the short names a microscopist types (``kv``, ``mag``,
``pixel``…) and the unit a bare number is read in (``kv:200`` is 200 kV). Text and enum facets
of the schema are fields too (``microscope:titan``); so are the file's project, dataset,
instrument, uploader, status, tags, name and type.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, field
from functools import cache

from extraction.schema import FieldKind, FieldSpec
from lims.search.models import schema_columns


class Kind(enum.StrEnum):
    """How a field's values are matched."""

    TEXT = "text"  # unquoted: contains; quoted: equals (case-insensitive)
    CHOICE = "choice"  # one of a few values, equals (case-insensitive)
    QUANTITY = "quantity"  # a number with a unit; ranges and comparisons
    DATE = "date"  # a year, month or day; ranges and comparisons
    RELATION = "relation"  # a project, dataset, instrument or person, by name
    TAG = "tag"  # one of the dataset's tags


@dataclass(frozen=True)
class SearchField:
    """One field of the search language."""

    name: str
    label: str
    kind: Kind
    column: str = ""
    aliases: tuple[str, ...] = ()
    unit: str = ""  # the unit the column is stored in (a quantity)
    typed_unit: str = ""  # the unit a bare number is read in
    spec: FieldSpec | None = field(default=None, compare=False)
    help: str = ""


#: Short names, and the unit a bare number is read in, of schema quantities.
QUANTITY_NAMES: dict[str, tuple[tuple[str, ...], str]] = {
    "beam_energy": (("kv", "energy", "voltage", "ht"), "kV"),
    "magnification": (("mag",), ""),
    "pixel_size": (("pixel", "px"), "nm"),
    "exposure_time": (("exposure",), "s"),
    "dwell_time": (("dwell",), "µs"),
    "beam_current": (("current",), "pA"),
    "camera_length": (("cl",), "mm"),
    "convergence_angle": (("convergence",), "mrad"),
    "collection_angle": (("collection",), "mrad"),
    "horizontal_field_width": (("hfw", "fov"), "µm"),
    "working_distance": (("wd",), "mm"),
    "file_size": (("bytes",), "MB"),
}
#: Short names of schema text and enum fields.
TEXT_NAMES: dict[str, tuple[str, ...]] = {
    "imaging_mode": ("mode",),
    "operator": ("by",),
    "format": ("fmt",),
    "microscope": ("scope",),
}

_OTHER_FIELDS = (
    SearchField("project", "Project", Kind.RELATION, help="slug or words of the name"),
    SearchField("dataset", "Dataset", Kind.RELATION, help="identifier or words of the title"),
    SearchField("instrument", "Instrument", Kind.RELATION, aliases=("inst",)),
    SearchField("uploader", "Uploaded by", Kind.RELATION, aliases=("user", "owner")),
    SearchField("status", "Extraction status", Kind.CHOICE, "status"),
    SearchField("tag", "Tag", Kind.TAG, aliases=("tags",)),
    SearchField("name", "File name", Kind.TEXT, "name", aliases=("file", "filename")),
    SearchField("type", "File type", Kind.TEXT, "format_label", aliases=("ext",)),
    SearchField("acquired", "Acquired", Kind.DATE, "acquired_at", aliases=("date", "when")),
    SearchField("uploaded", "Uploaded", Kind.DATE, "uploaded_at"),
    SearchField("size", "File size", Kind.QUANTITY, "size", unit="B", typed_unit="MB"),
)


def _schema_field(spec: FieldSpec) -> SearchField:
    if spec.kind is FieldKind.QUANTITY:
        aliases, typed = QUANTITY_NAMES.get(spec.key, ((), ""))
        typed = typed or (spec.display_units[0] if spec.display_units else spec.unit)
        if spec.unit == "dimensionless":
            typed = ""
        return SearchField(
            spec.key,
            spec.label,
            Kind.QUANTITY,
            spec.key,
            aliases=aliases,
            unit="" if spec.unit == "dimensionless" else spec.unit,
            typed_unit=typed,
            spec=spec,
        )
    kind = Kind.CHOICE if spec.kind is FieldKind.ENUM else Kind.TEXT
    return SearchField(
        spec.key, spec.label, kind, spec.key, aliases=TEXT_NAMES.get(spec.key, ()), spec=spec
    )


@cache
def all_fields() -> tuple[SearchField, ...]:
    """Every field of the language, the schema's first."""
    return tuple(_schema_field(spec) for spec in schema_columns()) + _OTHER_FIELDS


@cache
def _by_name() -> dict[str, SearchField]:
    names: dict[str, SearchField] = {}
    for search_field in all_fields():
        for name in (search_field.name, *search_field.aliases):
            names.setdefault(name.lower(), search_field)
    return names


def field_named(name: str) -> SearchField | None:
    """The field a name or alias stands for (case-insensitive), or None."""
    return _by_name().get(name.lower().replace("-", "_"))


def suggest(name: str) -> str | None:
    """The known field name closest to a mistyped one (``micrsocope`` → ``microscope``)."""
    close = difflib.get_close_matches(name.lower(), list(_by_name()), n=1, cutoff=0.6)
    return _by_name()[close[0]].name if close else None
