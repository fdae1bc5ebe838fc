"""Backups: a PostgreSQL dump and a copy of every stored file, with a manifest of SHA-256s;
and their restoration into a fresh database and storage.

A backup folder holds ``database.dump`` (``pg_dump --format=custom``), ``storage/`` (the
stored files under their storage names) and ``manifest.json`` (each stored file's name,
size and SHA-256, the dump's SHA-256, the files registered in place, which stay on their
share and are not copied). The dump and the list of files come from ONE database snapshot
(``pg_export_snapshot``), so every file the dump refers to is in the list. Stored files are
read and written through the storage API, so local folders and object stores both work.
Files are found through every ``FileField`` of every model, not a list kept by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction

CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
DUMP = "database.dump"
STORAGE_DIR = "storage"
FORMAT_VERSION = 1
Say = Callable[[str], None]


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class BackupSummary:
    """What a backup or restore did."""

    files: int = 0
    bytes: int = 0
    in_place: int = 0
    missing: list[str] = field(default_factory=list)
    skipped: int = 0


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database (pg_dump and pg_restore read it)."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        raise BackupError("Backups need PostgreSQL (DATABASE_URL=postgres://…).")
    env = dict(os.environ)
    env.update(
        {
            "PGDATABASE": str(db["NAME"]),
            "PGHOST": str(db.get("HOST") or "localhost"),
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": str(db.get("USER") or "postgres"),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


def _file_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if names:
            yield model, names


def stored_names() -> list[str]:
    """Every name any FileField of any model refers to (sorted, without duplicates)."""
    names: set[str] = set()
    for model, fields in _file_fields():
        for row in model._default_manager.values_list(*fields):
            names.update(name for name in row if name)
    return sorted(names)


def in_place_paths() -> list[dict[str, Any]]:
    """Files registered where they lie on a share (not in storage): path and SHA-256."""
    found = []
    for model in apps.get_models():
        field_names = {f.name for f in model._meta.concrete_fields}
        if {"external_path", "sha256"} <= field_names:
            rows = model._default_manager.exclude(external_path="").values_list(
                "external_path", "sha256"
            )
            found += [{"path": path, "sha256": sha} for path, sha in rows]
    return found


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"Refusing the stored name {name!r}: not a relative path.")
    return path


def _copy(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        sha.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def backup_create(folder: Path, *, say: Say = print) -> BackupSummary:
    """Write a backup of the database and every stored file into ``folder`` (new or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder.")
    (folder / STORAGE_DIR).mkdir(parents=True, exist_ok=True)
    created_at = dt.datetime.now(dt.UTC).isoformat()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        say("Dumping the database…")
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                "--no-privileges",
                f"--file={folder / DUMP}",
            ]
        )
        names = stored_names()
        in_place = in_place_paths()
    summary = BackupSummary(in_place=len(in_place))
    entries = []
    say(f"Copying {len(names)} stored files…")
    for name in names:
        target = folder / STORAGE_DIR / _safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with default_storage.open(name, "rb") as source, target.open("wb") as handle:
                sha, size = _copy(source, handle)
        except FileNotFoundError:
            summary.missing.append(name)
            target.unlink(missing_ok=True)
            continue
        entries.append({"name": name, "size": size, "sha256": sha})
        summary.files += 1
        summary.bytes += size
        if summary.files % 500 == 0:
            say(f"  {summary.files} files, {summary.bytes / 1e6:.0f} MB")
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": created_at,
        "database": {"file": DUMP, "sha256": sha256_of(folder / DUMP)},
        "files": entries,
        "missing": summary.missing,
        "in_place": in_place,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return summary


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        (count,) = cursor.fetchone()
    return count == 0


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, after checking that the dump is the one it names."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if sha256_of(folder / DUMP) != manifest["database"]["sha256"]:
        raise BackupError(f"{DUMP} is not the dump this backup made (its SHA-256 differs).")
    return manifest


def _verify_backup_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file of the backup is there with the manifest's SHA-256 (before anything is
    restored: a damaged backup must not leave a half-restored installation)."""
    for entry in manifest["files"]:
        source_path = folder / STORAGE_DIR / _safe_relative(entry["name"])
        if not source_path.is_file() or sha256_of(source_path) != entry["sha256"]:
            raise BackupError(f"{source_path} is damaged: its SHA-256 is not the manifest's.")


def _restore_file(folder: Path, entry: dict[str, Any], summary: BackupSummary) -> None:
    name = entry["name"]
    source_path = folder / STORAGE_DIR / _safe_relative(name)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            sha = hashlib.file_digest(existing, "sha256").hexdigest()
        if sha != entry["sha256"]:
            raise BackupError(
                f"Storage already holds a different {name}: restore into empty storage."
            )
        summary.skipped += 1
        return
    with source_path.open("rb") as handle:
        saved = default_storage.save(name, File(handle, name=PurePosixPath(name).name))
    if saved != name:
        default_storage.delete(saved)
        raise BackupError(f"Storage stored {name} as {saved}: restore into empty storage.")
    summary.files += 1
    summary.bytes += entry["size"]


def backup_restore(folder: Path, *, say: Say = print) -> BackupSummary:
    """Restore a backup into the configured database (which must be empty) and storage.

    Every file is checked against the manifest before and after it is stored. Afterwards,
    run ``manage.py migrate`` when this code is newer than the backup.
    """
    manifest = read_manifest(folder)
    if not _database_is_empty():
        raise BackupError(
            f"The database {settings.DATABASES['default']['NAME']} is not empty: restore into "
            "a new, empty database."
        )
    say("Checking the backup's files…")
    _verify_backup_files(folder, manifest)
    say("Restoring the database…")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_pg_env()['PGDATABASE']}",
            str(folder / DUMP),
        ]
    )
    summary = BackupSummary(in_place=len(manifest.get("in_place", [])))
    say(f"Restoring {len(manifest['files'])} stored files…")
    for entry in manifest["files"]:
        _restore_file(folder, entry, summary)
    for entry in manifest["files"]:
        with default_storage.open(entry["name"], "rb") as stored:
            if hashlib.file_digest(stored, "sha256").hexdigest() != entry["sha256"]:
                raise BackupError(f"{entry['name']} differs from the backup after restoring.")
    summary.missing = list(manifest.get("missing", []))
    return summary
