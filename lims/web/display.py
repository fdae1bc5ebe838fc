"""How a file's extracted metadata is shown: the summary table, the heading, the comparison."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.dateparse import parse_datetime

from lims.files.models import ExtractionRun, InstrumentFile, RunStatus

#: (key in the normalized summary, label, unit, multiplier) in the order a microscopist reads.
SUMMARY_FIELDS: list[tuple[str, str, str, float]] = [
    ("acquired_at", "Acquired", "", 1),
    ("microscope", "Microscope", "", 1),
    ("vendor", "Vendor", "", 1),
    ("technique", "Technique", "", 1),
    ("imaging_mode", "Imaging mode", "", 1),
    ("kind", "Kind", "", 1),
    ("beam_energy_keV", "Beam energy", "keV", 1),
    ("magnification", "Magnification", "\u00d7", 1),
    ("camera_length_mm", "Camera length", "mm", 1),
    ("pixel_size", "Pixel size", "", 1),
    ("exposure_s", "Exposure", "s", 1),
    ("dwell_time_s", "Dwell time", "µs", 1e6),
    ("detector", "Detector", "", 1),
    ("operator", "Operator", "", 1),
    ("specimen", "Specimen", "", 1),
    ("signals_count", "Signals in file", "", 1),
]
STAGE_FIELDS: list[tuple[str, str, str, float]] = [
    ("x_m", "Stage X", "µm", 1e6),
    ("y_m", "Stage Y", "µm", 1e6),
    ("z_m", "Stage Z", "µm", 1e6),
    ("alpha_deg", "Stage \u03b1 (tilt)", "°", 1),
    ("beta_deg", "Stage β (tilt)", "°", 1),
]


#: How the extraction's signal kinds read to a microscopist.
KIND_LABELS = {
    "image": "image",
    "image_stack": "image stack",
    "spectrum": "spectrum",
    "spectrum_image": "spectrum image",
    "line_scan": "line scan",
    "diffraction": "diffraction",
    "4d_stem": "4D-STEM",
    "complex": "complex (FFT)",
    "other": "other",
}


def kind_label(kind: Any) -> str:
    """The readable name of a signal kind; an unknown kind is shown as it is."""
    if kind in (None, ""):
        return ""
    return KIND_LABELS.get(str(kind), str(kind).replace("_", " "))


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and factor != 1:
        return value * factor
    return value


def summary_rows(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """The normalized summary as ``{label, value, unit, key}`` rows; empty values left out."""
    rows: list[dict[str, Any]] = []
    for key, label, unit, factor in SUMMARY_FIELDS:
        value = metadata.get(key)
        if value in (None, "", [], {}):
            continue
        if key == "pixel_size" and isinstance(value, dict):
            unit = str(value.get("unit") or "")
            value = value.get("value")
            if value is None:
                continue
        if key == "acquired_at":
            value, unit = _local_time(value)
        if key == "kind":
            value = kind_label(value)
        rows.append({"key": key, "label": label, "value": _scaled(value, factor), "unit": unit})
    stage = metadata.get("stage") or {}
    if isinstance(stage, dict):
        for key, label, unit, factor in STAGE_FIELDS:
            value = stage.get(key)
            if value is not None:
                rows.append(
                    {"key": f"stage.{key}", "label": label, "value": _scaled(value, factor),
                     "unit": unit}
                )  # fmt: skip
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
        if not node and prefix:
            yield prefix, {}
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


def _summary_by_key(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in summary_rows(metadata or {})}


def diff_rows(
    a: InstrumentFile, b: InstrumentFile, *, include_equal: bool = False
) -> dict[str, Any]:
    """The differences between two files' metadata, for the compare page.

    ``summary``: the normalized summary, labelled and with units, in reading order.
    ``vendor``: the vendor trees of the first signal, flattened to paths (at most
    MAX_VENDOR_ROWS rows; ``vendor_more`` counts the rest).
    """
    left, right = _summary_by_key(a.metadata), _summary_by_key(b.metadata)
    summary = []
    for key in list(left) + [k for k in right if k not in left]:
        ra, rb = left.get(key), right.get(key)
        row = _row(
            "Summary",
            (ra or rb or {}).get("label", key),
            ra["value"] if ra else _MISSING,
            rb["value"] if rb else _MISSING,
        )
        row["unit_a"], row["unit_b"] = (ra or {}).get("unit", ""), (rb or {}).get("unit", "")
        if include_equal or not row["equal"] or row["unit_a"] != row["unit_b"]:
            summary.append(row)
    a_trees = (a.original_metadata or {}).get("signals") or [{}]
    b_trees = (b.original_metadata or {}).get("signals") or [{}]
    fa, fb = _flat(a_trees[0]), _flat(b_trees[0])
    vendor: list[dict[str, Any]] = []
    differing = 0
    for key in list(fa) + [k for k in fb if k not in fa]:
        va, vb = fa.get(key, _MISSING), fb.get(key, _MISSING)
        if va == vb and not include_equal:
            continue
        differing += 1
        if len(vendor) < MAX_VENDOR_ROWS:
            vendor.append(_row("Vendor metadata", key, va, vb))
    return {"summary": summary, "vendor": vendor, "vendor_more": differing - len(vendor)}
