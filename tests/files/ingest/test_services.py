from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile

from lims.files.ingest.register import file_register
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db


def test_file_register_stores_bytes_with_checksum_and_companions():
    dataset = DatasetFactory()
    emi, ser = b"emi header" * 100, b"ser data" * 1000
    instrument_file = file_register(
        dataset=dataset,
        uploaded_by=dataset.created_by,
        name="../../run 1.emi",
        content=ContentFile(emi),
        companions=[("run 1_1.ser", ContentFile(ser))],
    )
    assert instrument_file.original_name == "run 1.emi"
    assert instrument_file.sha256 == hashlib.sha256(emi).hexdigest()
    assert instrument_file.size == len(emi) + len(ser)
    assert instrument_file.status == "pending"
    companion = instrument_file.companions.get()
    # Companions sit beside the primary file, under their own names, so readers find them.
    assert (
        companion.stored_file.name.rsplit("/", 1)[0]
        == instrument_file.stored_file.name.rsplit("/", 1)[0]
    )
    assert companion.stored_file.name.endswith("run 1_1.ser")
    with instrument_file.stored_file.open("rb") as handle:
        assert handle.read() == emi


def test_file_register_in_place_keeps_the_file_where_it_lies(tmp_path):
    source = tmp_path / "share" / "a.dm4"
    source.parent.mkdir()
    source.write_bytes(b"dm4" * 10)
    dataset = DatasetFactory()
    instrument_file = file_register(
        dataset=dataset, uploaded_by=dataset.created_by, name=source.name, external_path=source
    )
    assert instrument_file.in_place
    assert instrument_file.external_path == str(source)
    assert not instrument_file.stored_file
    assert instrument_file.size == 30


def test_file_register_needs_exactly_one_source():
    dataset = DatasetFactory()
    with pytest.raises(ValueError):
        file_register(dataset=dataset, uploaded_by=dataset.created_by, name="x")


@pytest.fixture
def failing_extraction_runs(db):
    """The database refuses new extraction runs, as a full disk or a lost connection would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION lims_test_refuse() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER lims_test_refuse BEFORE INSERT ON files_extractionrun "
            "FOR EACH ROW EXECUTE FUNCTION lims_test_refuse()"
        )
    # Both go away with the test's transaction.


def test_no_bytes_are_left_in_storage_when_the_database_write_fails(
    failing_extraction_runs, _media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import DatabaseError

    from lims.files.ingest.services import file_ingest

    dataset = DatasetFactory()
    upload = SimpleUploadedFile("lost.dm3", b"dm3 bytes" * 100)
    with pytest.raises(DatabaseError, match="No space left"):
        file_ingest(dataset=dataset, upload=upload, user=dataset.created_by)
    stored = [p for p in _media_root.rglob("*") if p.is_file()] if _media_root.exists() else []
    assert stored == []
