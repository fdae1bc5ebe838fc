"""The normalized metadata: one definition for the JSON keys, the tables, the API and the facets.

Two records, both dataclasses whose every field describes itself (:class:`FieldSpec`, kept in
``dataclasses.field(metadata=...)``):

* :class:`SignalMetadata`: what is known about one signal of a file (beam energy, mode,
  detector, stage…), the same fields for every vendor; ``SignalRecord.metadata``;
* :class:`FileSummary`: the primary signal's metadata plus file-level facts (signal count,
  kinds, techniques, format, size…); ``ExtractionResult.summary``.

Public API (also exported by :mod:`extraction`)::

    SIGNAL_FIELDS, FILE_FIELDS      # tuple[FieldSpec, ...], in the order a microscopist reads;
                                    # FILE_FIELDS = SIGNAL_FIELDS + the file-level fields
    field_spec(key) -> FieldSpec    # any field by its JSON key (KeyError for unknown keys)
    SignalMetadata.to_dict() -> dict             # every key, datetimes as ISO 8601
    SignalMetadata.from_dict(data) -> SignalMetadata   # tolerant: unknown or old keys ignored
    FileSummary.to_dict() / FileSummary.from_dict(data)
    SignalMetadata.specs() / FileSummary.specs() # the same tuples, per class
    TECHNIQUES, KINDS, IMAGING_MODES             # enum values (Literal types Technique, Kind,
                                                 # ImagingMode for type checking)
    FieldSpec(key, label, kind: FieldKind, unit, display_units, choices, facet, in_table,
              description); spec.choice_label(value) -> str; spec.json_schema() -> dict
    FieldKind: text, quantity, datetime, enum, count, flag, list, shape, mapping

and, for showing values, :mod:`extraction.display`: ``format_quantity(spec, value, unit=None)
-> (number, unit)``, ``format_value(spec, value) -> str``, ``format_number(value) -> str``.

Keys never carry a unit: a quantity is stored in its :attr:`FieldSpec.unit` (m, 1/m, s, eV, A,
degree, byte, or dimensionless) and :attr:`FieldSpec.display_units` says how to show it.
``extra`` holds only vendor facts the schema has no field for, under readable keys. Fields with
``in_table=False`` (time-zone flag, warnings, extra, image rows, primary signal) are shown
apart or not at all; ``facet=True`` marks the search filters.

The module is longer than most because it is the one list of every field.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Self, get_args

from .units import clean_str, to_float

__all__ = [
    "FILE_FIELDS",
    "IMAGING_MODES",
    "KINDS",
    "SIGNAL_FIELDS",
    "TECHNIQUES",
    "FieldKind",
    "FieldSpec",
    "FileSummary",
    "ImagingMode",
    "Kind",
    "SignalMetadata",
    "Technique",
    "field_spec",
]

Technique = Literal["TEM", "STEM", "SEM", "EELS", "EDS", "CL", "PL", "Raman", "FIB", "other"]
Kind = Literal[
    "image",
    "image_stack",
    "spectrum",
    "spectrum_image",
    "line_scan",
    "diffraction",
    "4d_stem",
    "complex",
    "other",
]
ImagingMode = Literal["imaging", "diffraction", "scanning"]
TECHNIQUES: tuple[Technique, ...] = get_args(Technique)
KINDS: tuple[Kind, ...] = get_args(Kind)
IMAGING_MODES: tuple[ImagingMode, ...] = get_args(ImagingMode)

KIND_CHOICES = (
    ("image", "image"),
    ("image_stack", "image stack"),
    ("spectrum", "spectrum"),
    ("spectrum_image", "spectrum image"),
    ("line_scan", "line scan"),
    ("diffraction", "diffraction"),
    ("4d_stem", "4D-STEM"),
    ("complex", "complex (FFT)"),
    ("other", "other"),
)
_TECHNIQUE_NAMES = {"CL": "CL (cathodoluminescence)", "PL": "PL (photoluminescence)"}
TECHNIQUE_CHOICES = tuple((t, _TECHNIQUE_NAMES.get(t, t)) for t in TECHNIQUES)
MODE_CHOICES = tuple((m, m) for m in IMAGING_MODES)

#: units a length is shown in, smallest first: the largest that keeps the number ≥ 1 is taken
LENGTHS = ("pm", "nm", "µm", "mm", "m")
STAGE = ("nm", "µm", "mm")
TIMES = ("ns", "µs", "ms", "s")
ANGLE = ("°",)
#: the unit shown after a magnification
TIMES_SIGN = "\u00d7"


class FieldKind(enum.StrEnum):
    """What sort of value a field holds (decides its JSON type and how it is shown)."""

    TEXT = "text"
    QUANTITY = "quantity"  # a float in the field's unit
    DATETIME = "datetime"  # ISO 8601 in JSON
    ENUM = "enum"  # one of the field's choices
    COUNT = "count"  # an integer
    FLAG = "flag"  # a boolean
    LIST = "list"  # strings (from the field's choices when it has some)
    SHAPE = "shape"  # integers, x first
    MAPPING = "mapping"  # readable key -> JSON value


_JSON_TYPES = {
    FieldKind.TEXT: "string",
    FieldKind.QUANTITY: "number",
    FieldKind.DATETIME: "string",
    FieldKind.ENUM: "string",
    FieldKind.COUNT: "integer",
    FieldKind.FLAG: "boolean",
    FieldKind.LIST: "array",
    FieldKind.SHAPE: "array",
    FieldKind.MAPPING: "object",
}


@dataclass(frozen=True)
class FieldSpec:
    """How one field of the normalized metadata is stored, labelled, shown and searched."""

    key: str  # the JSON key, which is also the attribute name
    label: str  # as a microscopist reads it
    kind: FieldKind
    unit: str = ""  # the unit a QUANTITY is stored in (pint syntax)
    display_units: tuple[str, ...] = ()  # units to show it in, smallest first
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) of an ENUM or a LIST
    facet: bool = False  # offered as a search filter
    in_table: bool = True  # shown as a row of the metadata table
    description: str = ""

    def choice_label(self, value: Any) -> str:
        """The readable label of one of the field's choices (the value itself if unknown)."""
        for choice, label in self.choices:
            if choice == value:
                return label
        return "" if value is None else str(value)

    def json_schema(self) -> dict[str, Any]:
        """A JSON Schema (OpenAPI 3.1) fragment for the stored value, ``null`` included."""
        schema: dict[str, Any] = {"title": self.label}
        kind = _JSON_TYPES[self.kind]
        schema["type"] = (
            kind if self.kind in (FieldKind.FLAG, FieldKind.MAPPING) else [kind, "null"]
        )
        if self.kind is FieldKind.DATETIME:
            schema["format"] = "date-time"
        if self.kind is FieldKind.ENUM:
            schema["enum"] = [value for value, _ in self.choices] + [None]
        if self.kind in (FieldKind.LIST, FieldKind.SHAPE):
            item: dict[str, Any] = {"type": "integer" if self.kind is FieldKind.SHAPE else "string"}
            if self.choices:
                item["enum"] = [value for value, _ in self.choices]
            schema["items"] = item
        if self.unit:
            schema["x-unit"] = self.unit
        text = self.description or self.label
        schema["description"] = f"{text} (in {self.unit})" if self.unit else text
        return schema


_SPEC = "spec"


def _about(label: str, kind: FieldKind, **options: Any) -> dict[str, FieldSpec]:
    """The ``metadata`` of a dataclass field: its :class:`FieldSpec` (the key is filled in
    from the field's name)."""
    return {_SPEC: FieldSpec(key="", label=label, kind=kind, **options)}


def _text(label: str, **options: Any) -> dict[str, FieldSpec]:
    return _about(label, FieldKind.TEXT, **options)


def _quantity(
    label: str, unit: str, display: tuple[str, ...], **options: Any
) -> dict[str, FieldSpec]:
    return _about(label, FieldKind.QUANTITY, unit=unit, display_units=display, **options)


@dataclass
class SignalMetadata:
    """The normalized metadata of one signal; every value is in its field's unit."""

    acquired_at: dt.datetime | None = field(
        default=None,
        metadata=_about(
            "Acquired", FieldKind.DATETIME, description="Start of the acquisition (local time)"
        ),
    )
    acquired_at_timezone_known: bool = field(
        default=False, metadata=_about("Time zone known", FieldKind.FLAG, in_table=False)
    )
    microscope: str | None = field(default=None, metadata=_text("Microscope", facet=True))
    vendor: str | None = field(default=None, metadata=_text("Vendor", facet=True))
    instrument_model: str | None = field(default=None, metadata=_text("Instrument model"))
    instrument_id: str | None = field(default=None, metadata=_text("Instrument ID / serial"))
    software: str | None = field(default=None, metadata=_text("Software"))
    technique: Technique | None = field(
        default=None,
        metadata=_about("Technique", FieldKind.ENUM, choices=TECHNIQUE_CHOICES, facet=True),
    )
    imaging_mode: ImagingMode | None = field(
        default=None,
        metadata=_about("Imaging mode", FieldKind.ENUM, choices=MODE_CHOICES, facet=True),
    )
    kind: Kind | None = field(
        default=None,
        metadata=_about("Signal kind", FieldKind.ENUM, choices=KIND_CHOICES, facet=True),
    )
    beam_energy: float | None = field(
        default=None, metadata=_quantity("Beam energy", "eV", ("keV",), facet=True)
    )
    beam_current: float | None = field(
        default=None, metadata=_quantity("Beam current", "A", ("fA", "pA", "nA", "µA"))
    )
    emission_current: float | None = field(
        default=None,
        metadata=_quantity(
            "Emission current", "A", ("nA", "µA"), description="Current drawn from the gun's tip"
        ),
    )
    spot_size: float | None = field(
        default=None,
        metadata=_quantity(
            "Spot size",
            "dimensionless",
            ("dimensionless",),
            description="The probe-size setting (spot number) of the condenser system",
        ),
    )
    magnification: float | None = field(
        default=None, metadata=_quantity("Magnification", "dimensionless", (TIMES_SIGN,))
    )
    camera_length: float | None = field(
        default=None, metadata=_quantity("Camera length", "m", ("mm",))
    )
    defocus: float | None = field(
        default=None,
        metadata=_quantity(
            "Defocus", "m", ("nm", "µm"), description="Objective-lens defocus (underfocus < 0)"
        ),
    )
    convergence_angle: float | None = field(
        default=None, metadata=_quantity("Convergence semi-angle", "degree", ("mrad",))
    )
    collection_angle: float | None = field(
        default=None, metadata=_quantity("Collection semi-angle", "degree", ("mrad",))
    )
    apertures: dict[str, float | str] = field(
        default_factory=dict,
        metadata=_about(
            "Apertures",
            FieldKind.MAPPING,
            unit="m",
            display_units=("µm",),
            description="Diameter of each aperture by its name (C2, objective, SA…), "
            "or 'retracted'",
        ),
    )
    energy_filter_mode: str | None = field(
        default=None,
        metadata=_text(
            "Energy filter mode",
            facet=True,
            description="What the energy filter was set to (spectroscopy, imaging, EFTEM…)",
        ),
    )
    energy_loss: float | None = field(
        default=None,
        metadata=_quantity(
            "Energy loss",
            "eV",
            ("eV",),
            description="Energy loss the filter was set to (slit centre, total shift)",
        ),
    )
    energy_slit_width: float | None = field(
        default=None, metadata=_quantity("Energy slit width", "eV", ("eV",))
    )
    energy_dispersion: float | None = field(
        default=None,
        metadata=_quantity(
            "Energy dispersion", "eV", ("meV", "eV"), description="Energy per spectrometer channel"
        ),
    )
    working_distance: float | None = field(
        default=None, metadata=_quantity("Working distance", "m", ("mm",))
    )
    horizontal_field_width: float | None = field(
        default=None, metadata=_quantity("Horizontal field width", "m", LENGTHS)
    )
    pixel_size: float | None = field(
        default=None,
        metadata=_quantity(
            "Pixel size", "m", LENGTHS, description="Real-space size of one pixel (or scan step)"
        ),
    )
    reciprocal_pixel_size: float | None = field(
        default=None,
        metadata=_quantity(
            "Reciprocal pixel size",
            "1/m",
            ("1/nm",),
            description="Size of one pixel of a diffraction pattern or FFT",
        ),
    )
    exposure_time: float | None = field(
        default=None, metadata=_quantity("Exposure time", "s", TIMES)
    )
    dwell_time: float | None = field(
        default=None, metadata=_quantity("Dwell time", "s", TIMES, description="Per pixel")
    )
    frame_time: float | None = field(default=None, metadata=_quantity("Frame time", "s", TIMES))
    live_time: float | None = field(default=None, metadata=_quantity("Live time", "s", TIMES))
    real_time: float | None = field(default=None, metadata=_quantity("Real time", "s", TIMES))
    detector: str | None = field(default=None, metadata=_text("Detector", facet=True))
    operator: str | None = field(default=None, metadata=_text("Operator", facet=True))
    specimen: str | None = field(default=None, metadata=_text("Specimen"))
    elements: list[str] = field(
        default_factory=list, metadata=_about("Elements", FieldKind.LIST, facet=True)
    )
    stage_x: float | None = field(default=None, metadata=_quantity("Stage X", "m", STAGE))
    stage_y: float | None = field(default=None, metadata=_quantity("Stage Y", "m", STAGE))
    stage_z: float | None = field(default=None, metadata=_quantity("Stage Z", "m", STAGE))
    stage_alpha: float | None = field(
        default=None, metadata=_quantity("Stage \u03b1 tilt", "degree", ANGLE)
    )
    stage_beta: float | None = field(
        default=None, metadata=_quantity("Stage \u03b2 tilt", "degree", ANGLE)
    )
    stage_rotation: float | None = field(
        default=None, metadata=_quantity("Stage rotation", "degree", ANGLE)
    )
    rgb: bool = field(default=False, metadata=_about("RGB colour image", FieldKind.FLAG))
    image_rows: int | None = field(
        default=None,
        metadata=_about(
            "Image rows",
            FieldKind.COUNT,
            in_table=False,
            description="Rows of the picture above the vendor's data bar",
        ),
    )
    warnings: list[str] = field(
        default_factory=list, metadata=_about("Warnings", FieldKind.LIST, in_table=False)
    )
    extra: dict[str, Any] = field(
        default_factory=dict,
        metadata=_about("Other vendor facts", FieldKind.MAPPING, in_table=False),
    )

    @classmethod
    def specs(cls) -> tuple[FieldSpec, ...]:
        """The :class:`FieldSpec` of every field, in declaration order."""
        specs = _SPECS.get(cls)
        if specs is None:
            specs = _SPECS[cls] = tuple(replace(f.metadata[_SPEC], key=f.name) for f in fields(cls))
        return specs

    def set_acquired_at(self, value: dt.datetime | None) -> None:
        """Replace the acquisition time (to the second); an aware datetime marks its time
        zone as known."""
        self.acquired_at = value.replace(microsecond=0) if value is not None else None
        self.acquired_at_timezone_known = value is not None and value.tzinfo is not None

    def to_dict(self) -> dict[str, Any]:
        """Every field under its JSON key (datetimes as ISO 8601 strings)."""
        return {spec.key: _dump(getattr(self, spec.key)) for spec in self.specs()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record stored as ``data``; unknown keys are ignored and values of the wrong
        type become unknown, so JSON written by other versions still reads."""
        values = {spec.key: _load(spec, data[spec.key]) for spec in cls.specs() if spec.key in data}
        return cls(**{k: v for k, v in values.items() if v is not None})


_SPECS: dict[type[SignalMetadata], tuple[FieldSpec, ...]] = {}


@dataclass
class FileSummary(SignalMetadata):
    """The primary signal's metadata plus what describes the whole file."""

    primary_signal: int | None = field(
        default=None, metadata=_about("Primary signal", FieldKind.COUNT, in_table=False)
    )
    title: str | None = field(default=None, metadata=_text("Title"))
    navigation_shape: list[int] = field(
        default_factory=list, metadata=_about("Navigation shape", FieldKind.SHAPE)
    )
    signal_shape: list[int] = field(
        default_factory=list, metadata=_about("Signal shape", FieldKind.SHAPE)
    )
    dtype: str | None = field(default=None, metadata=_text("Data type"))
    signal_count: int = field(default=0, metadata=_about("Signals in file", FieldKind.COUNT))
    kinds: list[str] = field(
        default_factory=list,
        metadata=_about("Signal kinds", FieldKind.LIST, choices=KIND_CHOICES, facet=True),
    )
    techniques: list[str] = field(
        default_factory=list,
        metadata=_about("Techniques", FieldKind.LIST, choices=TECHNIQUE_CHOICES, facet=True),
    )
    detectors: list[str] = field(
        default_factory=list, metadata=_about("Detectors", FieldKind.LIST, facet=True)
    )
    format: str | None = field(default=None, metadata=_text("Format", facet=True))
    reader: str | None = field(default=None, metadata=_text("Reader", facet=True))
    file_size: int | None = field(
        default=None, metadata=_quantity("File size", "B", ("B", "kB", "MB", "GB", "TB"))
    )
    file_name: str | None = field(default=None, metadata=_text("File name"))

    @classmethod
    def of_primary(cls, primary: SignalMetadata | None, **facts: Any) -> Self:
        """The summary of a file whose primary signal is described by ``primary`` (copied)."""
        summary = cls(**facts)
        if primary is not None:
            for spec in primary.specs():
                value = getattr(primary, spec.key)
                if isinstance(value, (list, dict)):  # the only mutable values
                    value = type(value)(value)
                setattr(summary, spec.key, value)
        return summary


SIGNAL_FIELDS: tuple[FieldSpec, ...] = SignalMetadata.specs()
FILE_FIELDS: tuple[FieldSpec, ...] = FileSummary.specs()
_BY_KEY = {spec.key: spec for spec in FILE_FIELDS}


def field_spec(key: str) -> FieldSpec:
    """The :class:`FieldSpec` of a signal or file field by its JSON key (``KeyError`` if none)."""
    return _BY_KEY[key]


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _load(spec: FieldSpec, value: Any) -> Any:
    """One stored value read back as the field's type, or ``None`` when it is not one."""
    kind = spec.kind
    if value is None:
        return None
    if kind is FieldKind.QUANTITY:
        number = to_float(value) if not isinstance(value, str) else None
        return int(number) if number is not None and spec.unit == "B" else number
    if kind is FieldKind.COUNT:
        return (
            int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        )
    if kind is FieldKind.FLAG:
        return value if isinstance(value, bool) else None
    if kind is FieldKind.DATETIME:
        try:
            return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if kind is FieldKind.LIST:
        return [str(item) for item in value] if isinstance(value, list) else None
    if kind is FieldKind.SHAPE:
        return [int(n) for n in value] if isinstance(value, list) else None
    if kind is FieldKind.MAPPING:
        return dict(value) if isinstance(value, Mapping) else None
    return clean_str(value) if isinstance(value, str) else None
