from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile

from lims.files.services import file_register
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
