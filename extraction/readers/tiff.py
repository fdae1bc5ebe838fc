"""TIFF files other than FEI's: saved by DigitalMicrograph, by ImageJ, or generic.

ImageJ keeps DM's tags as text lines (``root.ImageList.1.ImageTags.… = value``) in its ``Info``
property; they are parsed back into a tree (booleans ``true``, tuples ``{a,b}``) and
normalized like a ``.dm3`` file. Index 0 of that ImageList is DM's thumbnail.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..schema import SignalMetadata
from ..signal import LightSignal, get_path, set_path
from . import Vendor
from .digitalmicrograph import apply_tags

_LINE = re.compile(r"^root\.ImageList\.(\d+)\.ImageTags\.(.+?)\s=\s?(.*)$")


def _value(text: str) -> Any:
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("{") and text.endswith("}"):
        return [_value(part) for part in text[1:-1].split(",") if part.strip()]
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text


def parse_imagej_dm_tags(info: str) -> dict[str, Any]:
    """DM ``ImageTags`` of the main image (highest ImageList index) from ImageJ ``Info`` text."""
    trees: dict[int, dict[str, Any]] = {}
    for line in info.splitlines():
        match = _LINE.match(line)
        if match:
            tree = trees.setdefault(int(match.group(1)), {})
            try:
                set_path(tree, match.group(2), _value(match.group(3)))
            except (AttributeError, TypeError):
                continue
    return trees[max(trees)] if trees else {}


def _variant(signal: LightSignal) -> str:
    om = signal.original_metadata
    description = str(om.get("ImageDescription") or "")
    if description.startswith("ImageJ") or "IJMetadata" in om:
        return "imagej"
    if any(str(key) in ("65003", "65009", "65027") for key in om) or "JEOL_Header" in om:
        return "dm"
    return "generic"


def refine(signal: LightSignal, record: SignalMetadata) -> None:
    """DM tags kept by ImageJ become a normal record; other TIFFs keep the generic one."""
    info = get_path(signal.original_metadata, "IJMetadata.Info")
    if isinstance(info, str) and "root.ImageList" in info:
        tags = parse_imagej_dm_tags(info)
        if tags:
            signal.original_metadata["DigitalMicrograph ImageTags (from ImageJ Info)"] = tags
            apply_tags(tags, signal, record)
            record.software = "Gatan DigitalMicrograph, saved by ImageJ"


def label(path: Path, signal: LightSignal) -> str:
    """``tiff/imagej``, ``tiff/dm`` or ``tiff/generic``."""
    return f"tiff/{_variant(signal)}"


VENDOR = Vendor(name="tiff", matches=lambda s: s.reader == "TIFF", refine=refine, label=label)
