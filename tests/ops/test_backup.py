"""``manage.py backup DIR`` then ``manage.py restore DIR`` into a fresh database and storage:
the same rows, and stored bytes with the same SHA-256."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lims.bench.workers import REPO_ROOT
from lims.files.models import CompanionFile, ExtractionRun, InstrumentFile, SignalPreview
from tests.factories import CompanionFileFactory, InstrumentFileFactory
from tests.web.conftest import done_file
from tests.worker import _database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TABLES = {
    "accounts_user": None,
    "projects_project": None,
    "projects_membership": None,
    "datasets_dataset": None,
    "files_instrumentfile": InstrumentFile,
    "files_companionfile": CompanionFile,
    "files_signalpreview": SignalPreview,
    "files_extractionrun": ExtractionRun,
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fresh_database():
    """An empty database next to the test database, dropped afterwards."""
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin_url = _database_url({**settings_dict, "NAME": "postgres"})
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url({**settings_dict, "NAME": name})
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _restore(folder: Path, database_url: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_backup_then_restore_into_a_fresh_database_and_storage(
    personas, tmp_path, fresh_database, settings
) -> None:
    done = [done_file(personas.dataset) for _ in range(2)]
    companion = CompanionFileFactory(parent__dataset=personas.dataset)
    share = tmp_path / "share" / "in place.dm3"
    share.parent.mkdir()
    share.write_bytes(b"registered in place")
    InstrumentFileFactory(
        dataset=personas.dataset,
        stored_file="",
        external_path=str(share),
        sha256=hashlib.sha256(b"registered in place").hexdigest(),
    )
    media = Path(settings.MEDIA_ROOT)

    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {entry["name"] for entry in manifest["files"]}
    expected_names = {f.stored_file.name for f in InstrumentFile.objects.exclude(stored_file="")}
    expected_names |= {done[0].preview.name, done[0].thumbnail.name, companion.stored_file.name}
    assert expected_names <= names
    for entry in manifest["files"]:
        assert entry["sha256"] == _sha(media / entry["name"])
        assert entry["sha256"] == _sha(folder / "storage" / entry["name"])
    assert manifest["in_place"] == [
        {"path": str(share), "sha256": hashlib.sha256(b"registered in place").hexdigest()}
    ]
    assert manifest["missing"] == []

    restored_media = tmp_path / "restored-media"
    result = _restore(folder, fresh_database, restored_media)
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"{len(manifest['files'])} stored files" in result.stdout

    restored = psycopg2.connect(fresh_database)
    try:
        with restored.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                (count,) = cursor.fetchone()
                with connection.cursor() as original:
                    original.execute(f"SELECT count(*) FROM {table}")
                    assert count == original.fetchone()[0], table
            cursor.execute(
                "SELECT stored_file, sha256 FROM files_instrumentfile WHERE stored_file <> '' "
                "UNION ALL SELECT stored_file, sha256 FROM files_companionfile"
            )
            rows = cursor.fetchall()
    finally:
        restored.close()
    assert len(rows) == 4
    for name, sha in rows:  # the bytes are those recorded at ingest
        assert _sha(restored_media / name) == sha
    for entry in manifest["files"]:
        assert _sha(restored_media / entry["name"]) == entry["sha256"]

    again = _restore(folder, fresh_database, tmp_path / "other-media")
    assert again.returncode == 2
    assert "is not empty" in again.stderr


def test_a_damaged_backup_is_refused(personas, tmp_path, fresh_database) -> None:
    InstrumentFileFactory(dataset=personas.dataset)
    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    stored = next((folder / "storage").rglob("*.dm3"))
    stored.write_bytes(b"bit rot")
    result = _restore(folder, fresh_database, tmp_path / "restored")
    assert result.returncode == 2
    assert "is damaged" in result.stderr
    with psycopg2.connect(fresh_database) as untouched, untouched.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert cursor.fetchone() == (0,)  # nothing was restored
    untouched.close()


def test_backup_wants_a_new_folder(personas, tmp_path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path / "old"))
    assert refused.value.returncode == 2
