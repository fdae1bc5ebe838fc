"""Writing an extraction result into a file's fields, previews and its run.

``InstrumentFile.metadata`` is the result's summary exactly as the typed schema writes it
(:class:`extraction.FileSummary`: SI values, keys without units), so every reader of the JSONB
(pages, API, search) reads the one definition.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.files import File
from django.utils import timezone

from extraction import FileSummary
from extraction.spectrum import SUFFIX as SPECTRUM_SUFFIX
from lims.core.storage import delete_stored_after_commit
from lims.files.instruments import file_instrument_recognize
from lims.files.models import (
    ExtractionRun,
    ExtractionStatus,
    InstrumentFile,
    RunStatus,
    SignalPreview,
)

_RESULT_STATUS = {
    "ok": (ExtractionStatus.DONE, RunStatus.DONE),
    "failed": (ExtractionStatus.FAILED, RunStatus.FAILED),
    "unsupported": (ExtractionStatus.UNSUPPORTED, RunStatus.UNSUPPORTED),
}


def _clean_json(value: Any) -> Any:
    """JSON that PostgreSQL's jsonb accepts: no NUL characters in strings."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """The acquisition time for the indexed column: a wall-clock time whose zone the file did
    not say is taken as the facility's (``TIME_ZONE``)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def result_apply(*, run: ExtractionRun, file: InstrumentFile, result: dict[str, Any]) -> None:
    """Write an extraction result (``ExtractionResult.to_dict()``) into the file and the run
    (which ends its lease).

    Call with the run and the file locked, after the guard said the run is still current.
    """
    instrument_file = file
    file_status, run_status = _RESULT_STATUS.get(
        result.get("status", "failed"), _RESULT_STATUS["failed"]
    )
    summary = FileSummary.from_dict(result.get("summary") or {})
    signals = result.get("signals") or []
    old_previews = list(instrument_file.previews.all())
    old_images = [instrument_file.preview, instrument_file.thumbnail]
    old_images += [f for p in old_previews for f in (p.image, p.thumbnail, p.spectrum, p.cube)]
    old_names = {(f.storage, f.name) for f in old_images if f}
    storage = instrument_file.preview.storage
    old_names |= {
        (storage, frame["image"])
        for p in old_previews
        for frame in p.frames or []
        if frame.get("image")
    }

    instrument_file.status = file_status
    instrument_file.status_message = result.get("error") or ""
    instrument_file.reader = (result.get("reader") or "")[:100]
    instrument_file.format_label = (result.get("format") or "")[:100]
    instrument_file.extractor_version = result.get("extractor_version") or ""
    instrument_file.metadata = _clean_json(result.get("summary") or {})
    heavy = {"original_metadata", "previews"}
    instrument_file.signals = _clean_json(
        [{k: v for k, v in s.items() if k not in heavy} for s in signals]
    )
    instrument_file.original_metadata = _clean_json(
        {"signals": [s.get("original_metadata") for s in signals]} if signals else {}
    )
    instrument_file.acquired_at = _aware(summary.acquired_at)
    file_instrument_recognize(file=instrument_file, summary=summary)
    instrument_file.preview = instrument_file.thumbnail = None

    if old_previews:
        SignalPreview.objects.filter(pk__in=[p.pk for p in old_previews]).delete()
    primary_index = summary.primary_signal
    previews = []
    for position, signal in enumerate(signals):
        index = signal.get("index", position)
        rendered = signal.get("previews") or {}
        image = _stored(instrument_file, rendered.get("preview"), f"signal-{index}.png")
        thumbnail = _stored(
            instrument_file, rendered.get("thumbnail"), f"signal-{index}-thumbnail.png"
        )
        spectrum = _stored(
            instrument_file, rendered.get("spectrum"), f"signal-{index}{SPECTRUM_SUFFIX}"
        )
        total, frames = _stored_frames(instrument_file, rendered.get("frames"), index)
        cube = _stored(instrument_file, rendered.get("cube"), f"signal-{index}.cube.npz")
        previews.append(
            SignalPreview(
                file=instrument_file,
                frames=frames,
                frame_total=total,
                cube=cube or "",
                signal_index=index,
                title=(signal.get("title") or "")[:255],
                kind=(signal.get("kind") or "")[:40],
                image=image or "",
                thumbnail=thumbnail or "",
                spectrum=spectrum or "",
            )
        )
        is_primary = index == primary_index or (primary_index is None and position == 0)
        if is_primary:  # the file's own preview is its primary signal's (same stored PNGs)
            instrument_file.preview, instrument_file.thumbnail = image or "", thumbnail or ""
    SignalPreview.objects.bulk_create(previews)
    instrument_file.save()

    run.status = run_status
    run.message = (result.get("error") or "")[:10_000]
    run.finished_at = timezone.now()
    run.extractor_name = result.get("extractor") or run.extractor_name
    run.extractor_version = result.get("extractor_version") or run.extractor_version
    run.extraction_s = result.get("duration_s")
    run.lease_expires_at = None
    run.save(
        update_fields=[
            "status",
            "message",
            "finished_at",
            "extractor_name",
            "extractor_version",
            "extraction_s",
            "lease_expires_at",
        ]
    )
    delete_stored_after_commit(old_names)


def _stored_frames(
    instrument_file: InstrumentFile, manifest: str | None, index: int
) -> tuple[int, list[dict[str, Any]]]:
    """Store the frames of an image stack (``<stem>.frames.json`` and its PNGs beside it):
    ``(total, [{"index": i, "image": stored name}…])``."""
    if not manifest or not Path(manifest).is_file():
        return 0, []
    listing = json.loads(Path(manifest).read_text(encoding="utf-8"))
    folder = Path(manifest).parent
    frames = []
    for frame in listing.get("frames") or []:
        position = int(frame["index"])
        name = _stored(
            instrument_file, str(folder / frame["file"]), f"signal-{index}-frame-{position}.png"
        )
        if name:
            frames.append({"index": position, "image": name})
    return int(listing.get("total") or len(frames)), frames


def _stored(instrument_file: InstrumentFile, path: str | None, name: str) -> str | None:
    """Save a rendered preview (PNG, spectrum JSON) through the storage API (not by path);
    returns its stored name."""
    if not path or not Path(path).is_file():
        return None
    storage = instrument_file.preview.storage
    uid = str(instrument_file.uid)
    with Path(path).open("rb") as handle:
        return storage.save(f"previews/{uid[:2]}/{uid}/{name}", File(handle, name=name))
