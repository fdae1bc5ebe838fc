"""Result dataclasses returned by :func:`extraction.extract`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .jsonsafe import to_jsonsafe
from .schema import FileSummary, Kind, SignalMetadata
from .version import EXTRACTOR_NAME, EXTRACTOR_VERSION

STATUSES = ("ok", "failed", "unsupported")
#: what ``SignalRecord.previews`` names: two PNGs, and the plotted values of a spectrum
PREVIEW_NAMES = ("thumbnail", "preview", "spectrum", "frames", "cube")


def no_previews() -> dict[str, str | None]:
    """A ``previews`` mapping with nothing written."""
    return dict.fromkeys(PREVIEW_NAMES)


@dataclass
class SignalRecord:
    """What was learned about one signal of a file.

    ``previews`` holds absolute paths: ``thumbnail`` and ``preview`` PNGs, and for a signal with
    one signal dimension ``spectrum``, a JSON file of the plotted values (see
    :mod:`extraction.spectrum`); ``None`` where nothing was written.
    """

    index: int
    title: str
    kind: Kind
    navigation_shape: list[int]
    signal_shape: list[int]
    dtype: str
    axes: list[dict[str, Any]]
    metadata: SignalMetadata
    previews: dict[str, str | None] = field(default_factory=no_previews)
    original_metadata: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary; the metadata tree only when it was extracted (``full``)."""
        out: dict[str, Any] = {
            "index": self.index,
            "title": self.title,
            "kind": self.kind,
            "navigation_shape": list(self.navigation_shape),
            "signal_shape": list(self.signal_shape),
            "dtype": self.dtype,
            "axes": self.axes,
            "metadata": self.metadata.to_dict(),
            "previews": dict(self.previews),
        }
        if self.original_metadata is not None:
            out["original_metadata"] = self.original_metadata
        return to_jsonsafe(out)


@dataclass
class ExtractionResult:
    """Outcome of extracting one file group; ``status`` is ``ok``, ``failed`` or ``unsupported``."""

    path: str
    companions: list[str] = field(default_factory=list)
    status: str = "failed"
    error: str | None = None
    reader: str | None = None
    format: str | None = None
    extractor: str = EXTRACTOR_NAME
    extractor_version: str = EXTRACTOR_VERSION
    file: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    signals: list[SignalRecord] = field(default_factory=list)
    summary: FileSummary | None = None  # set when the file was read
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was read."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (``json.dumps(..., allow_nan=False)`` accepts it)."""
        out: dict[str, Any] = to_jsonsafe(
            {
                "path": self.path,
                "companions": list(self.companions),
                "status": self.status,
                "error": self.error,
                "reader": self.reader,
                "format": self.format,
                "extractor": self.extractor,
                "extractor_version": self.extractor_version,
                "file": self.file,
                "duration_s": round(self.duration_s, 6),
                "signals": [],
                "summary": self.summary.to_dict() if self.summary is not None else {},
                "warnings": list(self.warnings),
            }
        )
        # converted by the records themselves: the metadata trees are walked once, not twice
        out["signals"] = [s.to_dict() for s in self.signals]
        return out
