"""Files are linked to instruments by identity (serial number, exact name, vendor), never by a
part of a name; a facility manager's choice stays."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from extraction import FileSummary
from lims.files.instruments import file_instrument_recognize, file_instrument_set
from lims.instruments.services import BY_NAME, BY_SERIAL, instrument_match
from tests.factories import InstrumentFactory, InstrumentFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def titans():
    return {
        "themis": InstrumentFactory(
            name="Titan Themis", vendor="Thermo Fisher", serial_number="3678", microscope_names=[]
        ),
        "fei_titan": InstrumentFactory(name="FEI Titan", vendor="FEI", microscope_names=[]),
        "cubed": InstrumentFactory(
            name="Titan Cubed",
            vendor="FEI",
            microscope_names=["TitanCubed  300 kV D3128 UltraTwin"],
        ),
    }


def test_a_serial_number_decides(titans) -> None:
    match = instrument_match(microscope="Titan", vendor="FEI Company", serial="3678")
    assert (match.instrument, match.by) == (titans["themis"], BY_SERIAL)


def test_a_name_must_be_the_whole_name(titans) -> None:
    # "Titan" is part of three instruments' names and the whole name of none.
    assert instrument_match(microscope="Titan", vendor="FEI").instrument is None
    assert instrument_match(microscope="FEI Titan", vendor="FEI").instrument == titans["fei_titan"]
    # Case and spacing do not count; the rest of the name does.
    match = instrument_match(microscope="titancubed 300 kV  D3128 UltraTwin")
    assert (match.instrument, match.by) == (titans["cubed"], BY_NAME)
    assert instrument_match(microscope="TitanCubed 300 kV D3129 UltraTwin").instrument is None


def test_another_vendor_or_serial_number_is_another_instrument(titans) -> None:
    assert instrument_match(microscope="FEI Titan", vendor="JEOL").instrument is None
    # FEI and Thermo Fisher are one maker.
    assert instrument_match(microscope="Titan Themis", vendor="FEI").instrument == titans["themis"]
    assert instrument_match(microscope="Titan Themis", serial="9999").instrument is None


def test_two_instruments_with_the_same_name_take_none(titans) -> None:
    InstrumentFactory(name="Bench Titan", vendor="", microscope_names=["FEI Titan"])
    assert instrument_match(microscope="FEI Titan").instrument is None


def test_a_facility_managers_choice_stays_through_extraction(titans, personas) -> None:
    file = InstrumentFileFactory(dataset=personas.dataset)
    file_instrument_recognize(file=file, summary=FileSummary(microscope="FEI Titan", vendor="FEI"))
    assert (file.instrument, file.instrument_source) == (titans["fei_titan"], "name")

    with pytest.raises(PermissionDenied):
        file_instrument_set(file=file, instrument=titans["cubed"], user=personas.manager)
    file_instrument_set(file=file, instrument=titans["cubed"], user=personas.facility_manager)
    file_instrument_recognize(file=file, summary=FileSummary(microscope="FEI Titan", vendor="FEI"))
    file.refresh_from_db()
    assert (file.instrument, file.instrument_source) == (titans["cubed"], "manager")
    assert file.instrument_set_by == personas.facility_manager
