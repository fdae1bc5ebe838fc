"""How a file's extracted metadata is shown: the summary table, the heading, the comparison.

Every row comes from the typed schema (:mod:`extraction.schema`): its label, the unit its value
is stored in and the units to show it in, and one number style
(:mod:`extraction.display`). Nothing here knows a field by name but the acquisition time,
which is shown as the instrument's clock showed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.utils.dateparse import parse_datetime

from extraction import FILE_FIELDS, FieldKind, FieldSpec, field_spec, format_quantity, units
from extraction import format_value as schema_format_value
from extraction.core import signal_rank
from extraction.display import format_number as number_text
from extraction.units import Dimension
from lims.files.models import ExtractionRun, InstrumentFile, RunStatus

#: The unit a dimensionless quantity (a magnification) is shown with.
DIMENSIONLESS = "dimensionless"


def kind_label(kind: Any) -> str:
    """The readable name of a signal kind (``4d_stem`` → ``4D-STEM``); unknown kinds as they
    are."""
    if kind in (None, ""):
        return ""
    return field_spec("kind").choice_label(str(kind)).replace("_", " ")


def signal_strip(signals: Sequence[Mapping[str, Any]], previews: Sequence[Any]) -> list[Any]:
    """The signals of a file for the strip above its preview, the most informative first (the
    order extraction chooses the primary signal by, :func:`extraction.core.signal_rank`), each
    ``{index, title, kind, preview}`` with a name a person reads ("HAADF · image"; an untitled
    signal is "Signal 3")."""
    by_index = {p.signal_index: p for p in previews}
    rows = []
    for position, signal in enumerate(signals):
        index = signal.get("index", position)
        title = str(signal.get("title") or "").strip()
        if not title or title.startswith("__"):
            title = f"Signal {index + 1}"
        rows.append(
            {
                "index": index,
                "title": title,
                "kind": kind_label(signal.get("kind")),
                "preview": by_index.get(index),
                "rank": signal_rank({**signal, "index": index}),
            }
        )
    return sorted(rows, key=lambda row: row["rank"], reverse=True)


#: the units an axis's step may be shown in, per dimension, from the smallest
AXIS_UNITS = {
    Dimension.LENGTH: ["pm", "nm", "µm", "mm", "m"],
    Dimension.RECIPROCAL_LENGTH: ["1/nm", "1/µm"],
    Dimension.TIME: ["ns", "µs", "ms", "s"],
    Dimension.ENERGY: ["meV", "eV", "keV"],
}
#: what readers write when an axis has no name or unit
PLACEHOLDERS = {"", "<undefined>", "undefined", "[]", "none", "null"}


def _placeholder(value: Any) -> bool:
    return value is None or str(value).strip().casefold() in PLACEHOLDERS


def readable_step(value: Any, unit: Any) -> tuple[str, str]:
    """An axis's step (or origin) in the unit that keeps it at or above 1 (``100000 µs`` →
    ``100 ms``), converted by pint; unknown units as the file wrote them."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value if value is not None else ""), "" if _placeholder(unit) else str(unit)
    shown_unit = "" if _placeholder(unit) else str(unit)
    dimension = units.dimension_of(shown_unit) if shown_unit else None
    candidates = AXIS_UNITS.get(dimension) if dimension else None
    if candidates and value:
        converted = [(target, units.convert(value, shown_unit, target)) for target in candidates]
        usable = [(t, v) for t, v in converted if v is not None]
        at_least_one = [(t, v) for t, v in usable if abs(v) >= 1 - 1e-9]
        if usable:
            target, number = at_least_one[-1] if at_least_one else usable[0]
            return number_text(number), target
    return number_text(value), shown_unit


def axis_rows(signal: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The axes of a signal as ``{name, size, step, origin, unit}`` rows: a name a person reads
    (a placeholder such as TIA's ``<undefined>`` becomes "x", "y" or "frame"), the step in a
    readable unit, the origin in the same unit."""
    axes = list(signal.get("axes") or [])
    signal_axes = [a for a in axes if not a.get("navigate")]
    rows = []
    for axis in axes:
        name = axis.get("name")
        if _placeholder(name):
            if axis.get("navigate"):
                nav = [a for a in axes if a.get("navigate")]
                name = "frame" if len(nav) == 1 else f"position {nav.index(axis) + 1}"
            else:
                spatial = ["x", "y", "z"]
                position = len(signal_axes) - 1 - signal_axes.index(axis)
                name = spatial[position] if len(signal_axes) <= 3 else f"axis {position + 1}"
        step, unit = readable_step(axis.get("scale"), axis.get("units"))
        origin = ""
        offset = axis.get("offset")
        if isinstance(offset, int | float) and offset:
            ratio = units.factor(str(axis.get("units")), unit) if unit else None
            origin = number_text(offset * ratio if ratio else offset)
        rows.append(
            {
                "name": str(name),
                "navigate": bool(axis.get("navigate")),
                "size": axis.get("size"),
                "step": step,
                "origin": origin,
                "unit": unit,
            }
        )
    return rows


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _cell(spec: FieldSpec, value: Any, unit: str | None = None) -> tuple[str, str]:
    """``(value, unit)`` of one field as text, the unit apart (``unit`` forces it)."""
    if spec.key == "acquired_at":
        return _local_time(value)
    if spec.kind is FieldKind.QUANTITY and isinstance(value, int | float):
        number, shown = format_quantity(spec, float(value), unit)
        return number, "" if shown == DIMENSIONLESS else shown
    return schema_format_value(spec, value), ""


def summary_rows(
    metadata: Mapping[str, Any], fields: Sequence[FieldSpec] = FILE_FIELDS
) -> list[dict[str, Any]]:
    """The normalized metadata as ``{key, label, value, unit}`` rows in reading order; fields
    the schema keeps out of the table (warnings, extras) and unknown values left out."""
    rows = []
    for spec in fields:
        value = metadata.get(spec.key)
        if not spec.in_table or _empty(value):
            continue
        text, unit = _cell(spec, value)
        if text:
            rows.append({"key": spec.key, "label": spec.label, "value": text, "unit": unit})
    return rows


def _local_time(value: Any) -> tuple[str, str]:
    """The acquisition time as the instrument's clock showed it, and its UTC offset if known.

    Microscopists recognize their session by the local wall-clock time, so it is not converted.
    """
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(parsed, dt.datetime):
        return str(value), ""
    text = f"{parsed.day} {parsed:%b %Y, %H:%M:%S}"
    offset = parsed.utcoffset()
    if offset is None:
        return text, ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    return text, f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def extraction_heading(file: InstrumentFile, runs: list[ExtractionRun]) -> dict[str, Any] | None:
    """Who extracted the shown metadata and when: the latest successful run."""
    done = next((run for run in runs if run.status == RunStatus.DONE), None)
    if done is None:
        return None
    return {
        "extractor": done.extractor_name or "extractor",
        "version": done.extractor_version or file.extractor_version,
        "when": done.finished_at or done.queued_at,
    }


# --- Comparing two files ----------------------------------------------------------------------

MAX_FLAT = 20_000
#: at most this many rows of vendor-tree differences are shown (the summary always is)
MAX_VENDOR_ROWS = 400
INLINE_ITEMS = 16


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def flatten(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``("a.b[2].c", value)`` pairs of the leaves of a nested dict/list tree.

    A list of plain values is one leaf (a colour table is one value, not 768).
    """
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list) and node and not all(_is_scalar(v) for v in node):
        for i, value in enumerate(node):
            yield from flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, node


def _flat(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (key, value) in enumerate(flatten(node)):
        if i >= MAX_FLAT:
            break
        out[key] = value
    return out


_MISSING = object()


def _shown(value: Any) -> Any:
    if isinstance(value, list):
        head = ", ".join(str(v) for v in value[:INLINE_ITEMS])
        more = f", … {len(value) - INLINE_ITEMS} more" if len(value) > INLINE_ITEMS else ""
        return f"[{head}{more}]"
    if value is None:
        return "\u2014"
    return value


def _row(section: str, label: str, va: Any, vb: Any, unit: str = "") -> dict[str, Any]:
    return {
        "section": section,
        "path": label,
        "unit": unit,
        "a": None if va is _MISSING else _shown(va),
        "b": None if vb is _MISSING else _shown(vb),
        "a_missing": va is _MISSING,
        "b_missing": vb is _MISSING,
        "equal": va == vb,
    }


def _summary_diff(a: Mapping[str, Any], b: Mapping[str, Any], include_equal: bool) -> list[Any]:
    """The schema's fields of two files side by side, those that differ first (each group in
    reading order); a quantity in ONE unit for both."""
    rows = []
    for spec in FILE_FIELDS:
        va, vb = a.get(spec.key), b.get(spec.key)
        if not spec.in_table or (_empty(va) and _empty(vb)):
            continue
        unit = None
        if spec.kind is FieldKind.QUANTITY:
            known = va if isinstance(va, int | float) else vb
            unit = (
                format_quantity(spec, float(known))[1] if isinstance(known, int | float) else None
            )
        ta, ua = _cell(spec, va, unit) if not _empty(va) else (_MISSING, "")
        tb, ub = _cell(spec, vb, unit) if not _empty(vb) else (_MISSING, "")
        row = _row("Summary", spec.label, ta, tb)
        row["unit_a"], row["unit_b"] = ua, ub
        row["equal"] = row["equal"] and ua == ub
        if include_equal or not row["equal"]:
            rows.append(row)
    return sorted(rows, key=lambda r: r["equal"])  # stable: reading order within each group


#: Parts of vendor trees that describe the acquisition software's windows, printing and
#: display, not the acquisition: left out of a comparison unless asked for (path segments,
#: compared case-insensitively; a segment matches when it starts with one of these).
PRESENTATION_KEYS = (
    "pagesetup",
    "documentobjectlist",
    "documenttags",
    "imagedisplayinfo",
    "image behavior",
    "applicationbounds",
    "windowposition",
    "windowrect",
    "layouttype",
    "inimagemode",
    "annotationgroup",
    "thumbnails",
    "colortable",
    "clut",
    "displayinfo",
    "customproperties.display",
)


def presentation_key(path: str) -> bool:
    """Is this flattened vendor path about windows, printing or display (``PageSetup.Win32_
    DevModeW…``, ``DocumentObjectList[0].AnnotationGroupList…``)?"""
    text = path.casefold()
    segments = [part.split("[", 1)[0] for part in text.split(".")]
    return any(seg.startswith(PRESENTATION_KEYS) for seg in segments) or any(
        marker in text for marker in PRESENTATION_KEYS if "." in marker
    )


def diff_rows(
    a: InstrumentFile, b: InstrumentFile, *, include_equal: bool = False, every_key: bool = False
) -> dict[str, Any]:
    """The differences between two files' metadata, for the compare page.

    ``summary``: the normalized summary, labelled and with units, the differing fields first.
    ``vendor``: the vendor trees of the primary signals, flattened to paths (at most
    MAX_VENDOR_ROWS rows; ``vendor_more`` counts the rest); the window, printing and display
    settings (:func:`presentation_key`) only with ``every_key``, ``vendor_hidden`` counts them.
    """
    summary = _summary_diff(a.metadata or {}, b.metadata or {}, include_equal)
    fa, fb = _flat(_primary_tree(a)), _flat(_primary_tree(b))
    vendor: list[dict[str, Any]] = []
    differing = hidden = 0
    for key in list(fa) + [k for k in fb if k not in fa]:
        va, vb = fa.get(key, _MISSING), fb.get(key, _MISSING)
        if va == vb and not include_equal:
            continue
        if not every_key and presentation_key(key):
            hidden += 1
            continue
        differing += 1
        if len(vendor) < MAX_VENDOR_ROWS:
            vendor.append(_row("Vendor metadata", key, va, vb))
    return {
        "summary": summary,
        "vendor": vendor,
        "vendor_more": differing - len(vendor),
        "vendor_hidden": hidden,
    }


def _primary_tree(file: InstrumentFile) -> Any:
    """The vendor tree of the file's primary signal (the one its page opens on)."""
    trees = (file.original_metadata or {}).get("signals") or [{}]
    primary = (file.metadata or {}).get("primary_signal")
    index = primary if isinstance(primary, int) and 0 <= primary < len(trees) else 0
    return trees[index] or {}


def field_width(file: InstrumentFile) -> float | None:
    """The width (metres) the file's primary image shows: its pixel size times its width in
    pixels; ``None`` when either is not known."""
    metadata = file.metadata or {}
    pixel = metadata.get("pixel_size")
    shape = metadata.get("signal_shape") or []
    if isinstance(pixel, int | float) and pixel > 0 and len(shape) == 2:
        return float(pixel) * int(shape[0])
    return None
