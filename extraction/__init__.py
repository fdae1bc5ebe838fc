"""Metadata extraction for electron-microscopy files (plain Python, no Django).

Reads any file RosettaSciIO can read, normalizes its metadata into one schema for every
vendor, keeps the original metadata tree as JSON-safe data and renders previews::

    from extraction import extract
    result = extract(Path("image.dm4"), previews_dir=Path("previews"))
    result.to_dict()

The normalized metadata is described once, in :mod:`extraction.schema` (fields, labels,
units, facets) and shown with :mod:`extraction.display`.
"""

from __future__ import annotations

from .core import extract
from .display import format_number, format_quantity, format_value
from .grouping import (
    FileGroup,
    companion_patterns,
    find_companions,
    group_files,
    is_companion_of,
    primary_name_for,
    walk,
)
from .isolate import extract_isolated
from .result import ExtractionResult, SignalRecord
from .schema import (
    FILE_FIELDS,
    IMAGING_MODES,
    KINDS,
    SIGNAL_FIELDS,
    TECHNIQUES,
    FieldKind,
    FieldSpec,
    FileSummary,
    SignalMetadata,
    field_spec,
)
from .tecnai import parse_microscope_info
from .version import EXTRACTOR_NAME, EXTRACTOR_VERSION
from .warm import ExtractionChild

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "FILE_FIELDS",
    "IMAGING_MODES",
    "KINDS",
    "SIGNAL_FIELDS",
    "TECHNIQUES",
    "ExtractionChild",
    "ExtractionResult",
    "FieldKind",
    "FieldSpec",
    "FileGroup",
    "FileSummary",
    "SignalMetadata",
    "SignalRecord",
    "companion_patterns",
    "extract",
    "extract_isolated",
    "field_spec",
    "find_companions",
    "format_number",
    "format_quantity",
    "format_value",
    "group_files",
    "is_companion_of",
    "parse_microscope_info",
    "primary_name_for",
    "walk",
]
