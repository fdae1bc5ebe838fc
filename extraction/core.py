"""``extract()``: one file group in, one :class:`ExtractionResult` out, never an exception."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, BinaryIO

from . import normalize
from ._workers import executor
from .grouping import FileGroup, group_for_path
from .jsonsafe import to_jsonsafe, to_jsonsafe_shared
from .read import ReadFailure, UnsupportedFormat, read_group
from .readers import find_vendor, format_label, settle_file
from .result import ExtractionResult, SignalRecord
from .schema import FileSummary, SignalMetadata
from .signal import LightSignal

log = logging.getLogger(__name__)

#: Kinds ranked for the file's summary: images and maps before single spectra.
PRIMARY_PRIORITY = {
    "spectrum_image": 3,
    "4d_stem": 3,
    "image": 3,
    "image_stack": 3,
    "diffraction": 3,
    "complex": 2,
    "line_scan": 2,
    "spectrum": 1,
    "other": 0,
}


#: smaller files are hashed at once; larger ones on a worker thread while they are being read
HASH_INLINE_BYTES = 8 * 1024**2


def as_group(group_or_path: FileGroup | Path | str) -> FileGroup:
    """A :class:`FileGroup` for a group or a single path (companions found on disk)."""
    if isinstance(group_or_path, FileGroup):
        return group_or_path
    return group_for_path(Path(group_or_path))


def _sha256_of(handle: BinaryIO) -> str:
    """SHA-256 of an open file, which it closes (hashlib releases the GIL while hashing)."""
    with handle:
        digest = hashlib.sha256()
        while chunk := handle.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _facts_started(
    path: Path, sha256: str | None = None
) -> tuple[dict[str, Any], Future[str] | None]:
    """:func:`file_facts` with the SHA-256 left to a worker thread: the file is stat'ed and
    opened here, so a missing or unreadable file still fails at once; the digest arrives in
    the future while the file is being read and drawn. A ``sha256`` the caller already knows
    is taken as it is: the file is not read a second time just to hash it."""
    stat = path.stat()
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    facts = {"size": stat.st_size, "sha256": sha256, "modified": modified.isoformat()}
    if path.is_dir():  # a Zarr folder is one file: its size is that of what it holds
        facts["size"] = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return facts, None
    if sha256:
        return facts, None
    handle = path.open("rb")
    if stat.st_size < HASH_INLINE_BYTES:  # handing it to a thread would cost more
        facts["sha256"] = _sha256_of(handle)
        return facts, None
    try:
        return facts, executor().submit(_sha256_of, handle)
    except BaseException:
        handle.close()
        raise


def file_facts(path: Path) -> dict[str, Any]:
    """Size, SHA-256 and modification time (ISO 8601 UTC) of one file."""
    facts, digest = _facts_started(path)
    if digest is not None:
        facts["sha256"] = digest.result()
    return facts


#: techniques whose images are pictures of the specimen itself, not maps drawn from spectra
IMAGING_TECHNIQUES = ("TEM", "STEM", "SEM", "FIB")


def _product(shape: Sequence[Any]) -> int:
    count = 1
    for n in shape:
        count *= max(int(n), 1)
    return count


def signal_rank(signal: Mapping[str, Any]) -> tuple[int, int, bool, int, int]:
    """How informative a signal is, as a sortable tuple (larger first), from its stored form
    (``SignalRecord.to_dict()``: ``kind``, ``navigation_shape``, ``signal_shape``,
    ``metadata.technique``, ``index``): the kind's priority (images, maps, 4D-STEM and
    diffraction; then line scans and complex data; then single spectra), then the size of its
    picture (an image's pixels, a map's scan positions), then a picture of the specimen (a
    HAADF or SE image) before a map drawn from spectra, then the most data, then the first."""
    kind = signal.get("kind")
    navigation = list(signal.get("navigation_shape") or [])
    shape = list(signal.get("signal_shape") or [])
    mapped = kind in ("spectrum_image", "line_scan", "4d_stem") or not shape
    technique = (signal.get("metadata") or {}).get("technique")
    return (
        PRIMARY_PRIORITY.get(str(kind), 0),
        _product(navigation if mapped else shape),
        kind == "image" and technique in IMAGING_TECHNIQUES,
        _product(navigation + shape),
        -int(signal.get("index") or 0),
    )


def choose_primary(records: list[SignalRecord]) -> SignalRecord | None:
    """The most informative signal (:func:`signal_rank`), whose preview a file shows first."""

    def rank(record: SignalRecord) -> tuple[int, int, bool, int, int]:
        return signal_rank(
            {
                "kind": record.kind,
                "navigation_shape": record.navigation_shape,
                "signal_shape": record.signal_shape,
                "metadata": {"technique": record.metadata.technique},
                "index": record.index,
            }
        )

    return max(records, key=rank) if records else None


def normalize_signal(signal: LightSignal) -> SignalMetadata:
    """The normalized metadata record of one signal (generic, then vendor, then checks)."""
    record = normalize.generic(signal)
    vendor = find_vendor(signal)
    if vendor is not None:
        try:
            vendor.refine(signal, record)
        except Exception as exc:  # a surprising vendor tree must not lose the file
            log.exception("vendor %s failed", vendor.name)
            record.warnings.append(f"{vendor.name} metadata could not be interpreted: {exc}")
    normalize.finalize(signal, record)
    return record


def _summary(result: ExtractionResult) -> FileSummary:
    primary = choose_primary(result.signals)
    records = [s.metadata for s in result.signals]
    return FileSummary.of_primary(
        primary.metadata if primary else None,
        primary_signal=primary.index if primary else None,
        title=(primary.title or None) if primary else None,
        navigation_shape=list(primary.navigation_shape) if primary else [],
        signal_shape=list(primary.signal_shape) if primary else [],
        dtype=primary.dtype if primary else None,
        signal_count=len(result.signals),
        kinds=sorted({s.kind for s in result.signals}),
        techniques=sorted({m.technique for m in records if m.technique}),
        detectors=sorted({m.detector for m in records if m.detector}),
        format=result.format,
        reader=result.reader,
        file_size=result.file.get("total_size", result.file.get("size")),
        file_name=Path(result.path).name,
    )


def extract(
    group_or_path: FileGroup | Path | str,
    *,
    previews_dir: Path | None = None,
    full: bool = True,
    known_sha256: Mapping[str, str] | None = None,
) -> ExtractionResult:
    """Read one instrument file (or multi-file group) and describe it.

    Never raises for bad input: unreadable files give ``status="failed"`` with a message saying
    what failed in which file, unknown formats ``status="unsupported"``; the file facts (size,
    SHA-256, modification time) are recorded whenever the file can be opened. With
    ``previews_dir``, a thumbnail (≤256 px) and a preview (≤1024 px) PNG are written per signal,
    and for a spectrum (any signal with one signal dimension) a JSON file of its values summed
    over the navigation axes (:mod:`extraction.spectrum`). With ``full``, each signal carries
    its whole original metadata tree (JSON-safe).
    ``known_sha256`` maps file names to digests the caller already has (the LIMS hashed the
    bytes on upload): those files are not read again only to hash them, which matters for
    large files of which the readers touch only a slice.
    """
    started = time.perf_counter()
    try:
        group = as_group(group_or_path)
    except Exception as exc:
        return ExtractionResult(path=str(group_or_path), error=f"Invalid input: {exc}")
    result = ExtractionResult(
        path=str(group.primary), companions=[str(p) for p in group.companions]
    )
    try:
        _extract_into(result, group, previews_dir, full, dict(known_sha256 or {}))
    except MemoryError:
        result.status, result.signals = "failed", []
        result.error = f"Ran out of memory while extracting '{group.primary.name}'."
    except Exception as exc:  # last resort: the contract is "no exception escapes"
        log.exception("extraction failed for %s", group.primary)
        result.status, result.signals = "failed", []
        result.error = f"Extraction of '{group.primary.name}' failed: {type(exc).__name__}: {exc}"
    result.duration_s = time.perf_counter() - started
    return result


def _extract_into(
    result: ExtractionResult,
    group: FileGroup,
    previews_dir: Path | None,
    full: bool,
    known_sha256: dict[str, str],
) -> None:
    primary = group.primary
    digests: list[tuple[Path, dict[str, Any], Future[str]]] = []
    try:
        try:
            result.file = _started(primary, digests, known_sha256.get(primary.name))
            if group.companions:
                companions = {
                    p.name: _started(p, digests, known_sha256.get(p.name)) for p in group.companions
                }
                result.file["companions"] = companions
                result.file["total_size"] = result.file["size"] + sum(
                    c["size"] for c in companions.values()
                )
        except FileNotFoundError:
            result.error = f"File not found: '{primary}'."
            return
        except OSError as exc:
            result.error = f"Cannot open '{primary.name}': {exc.strerror or exc}."
            return
        _read_and_describe(result, group, previews_dir, full)
    finally:
        for path, facts, digest in digests:
            try:
                facts["sha256"] = digest.result()
            except OSError as exc:
                result.warnings.append(f"could not hash '{path.name}': {exc.strerror or exc}")


def _started(
    path: Path,
    digests: list[tuple[Path, dict[str, Any], Future[str]]],
    sha256: str | None = None,
) -> dict[str, Any]:
    facts, digest = _facts_started(path, sha256)
    if digest is not None:
        digests.append((path, facts, digest))
    return facts


def _read_and_describe(
    result: ExtractionResult, group: FileGroup, previews_dir: Path | None, full: bool
) -> None:
    primary = group.primary
    try:
        reader, signals, reader_warnings = read_group(
            group, int(result.file.get("total_size", result.file["size"]))
        )
    except UnsupportedFormat as exc:
        result.status, result.error = "unsupported", str(exc)
        result.format = format_label(primary, None, None)
        return
    except ReadFailure as exc:
        result.status, result.error = "failed", str(exc)
        result.format = exc.format
        if exc.signals:  # the data are damaged, the metadata were read: keep them
            result.reader = exc.reader
            result.signals = [_signal_record(s, "", None, full, [], []) for s in exc.signals]
            for record, signal in zip(result.signals, exc.signals, strict=True):
                record.metadata.warnings.extend(signal.warnings)
                if full:
                    record.original_metadata = to_jsonsafe(signal.original_metadata)
            result.summary = _summary(result)
        return
    result.reader = reader
    result.format = format_label(primary, signals[0] if signals else None, reader)
    result.warnings.extend(reader_warnings)
    stem = ""
    if previews_dir is not None:
        previews_dir = Path(previews_dir)
        previews_dir.mkdir(parents=True, exist_ok=True)
        previews_dir = previews_dir.resolve()
        stem = _file_stem(primary)
    pending: list[Future[None]] = []
    several = len(signals) > 1  # their thumbnails carry the signal's name
    for signal in signals:
        result.signals.append(
            _signal_record(signal, stem, previews_dir, full, result.warnings, pending, several)
        )
    settle_file([(s, r.metadata) for s, r in zip(signals, result.signals, strict=True)])
    if full:
        # each tree converted once; sub-trees the signals share are converted once per file
        trees = to_jsonsafe_shared([s.original_metadata for s in signals])
        for record, tree in zip(result.signals, trees, strict=True):
            record.original_metadata = tree
    for future in pending:
        try:
            future.result()
        except Exception as exc:
            result.warnings.append(f"writing a preview failed: {type(exc).__name__}: {exc}")
            for record in result.signals:
                record.previews = {
                    k: v if v and Path(v).is_file() else None for k, v in record.previews.items()
                }
    result.status = "ok"
    result.summary = _summary(result)


def _signal_record(
    signal: LightSignal,
    stem: str,
    previews_dir: Path | None,
    full: bool,
    warnings: list[str],
    pending: list[Future[None]],
    caption: bool = False,
) -> SignalRecord:
    metadata = normalize_signal(signal)
    record = SignalRecord(
        index=signal.index,
        title=signal.title,
        kind=metadata.kind or "other",
        navigation_shape=signal.navigation_shape,
        signal_shape=signal.signal_shape,
        dtype=str(signal.dtype),
        axes=[a.to_dict() for a in signal.axes],
        metadata=metadata,
    )
    if previews_dir is not None:
        # imported here: ``import extraction`` (the LIMS web process) need not load Pillow
        from .previews import no_preview_reason, render_previews

        try:
            record.previews = render_previews(
                signal, metadata, previews_dir, f"{stem}-{signal.index}", pending, caption=caption
            )
            if record.previews["preview"] is None:
                warnings.append(f"signal {signal.index}: no preview: {no_preview_reason(signal)}")
        except MemoryError:
            warnings.append(f"signal {signal.index}: not enough memory to render its preview")
        except Exception as exc:
            log.exception("preview failed")
            warnings.append(f"signal {signal.index}: preview failed: {type(exc).__name__}: {exc}")
    return record


def _file_stem(primary: Path) -> str:
    """File-name stem unique per file (same names live in different folders); previews add
    the signal index."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in primary.name)
    tag = hashlib.sha1(str(primary.resolve()).encode()).hexdigest()[:8]
    return f"{safe}-{tag}"
