"""The file page: which instrument recorded the file (and what the file itself says), and the
signals of a multi-signal file, the most informative first, by name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lims.files.models import SignalPreview
from tests.factories import InstrumentFactory
from tests.html import facts, one, page, texts
from tests.web.conftest import done_file, summary

pytestmark = pytest.mark.django_db


def test_the_file_says_its_own_microscope_name_beside_the_instrument(client, personas) -> None:
    themis = InstrumentFactory(name="Titan Themis", serial_number="3678", microscope_names=[])
    file = done_file(
        personas.dataset,
        metadata=summary(microscope="Titan"),
        instrument=themis,
        instrument_source="serial",
    )
    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    assert facts(soup)["Instrument"] == (
        "Titan Themis the file says “Titan” recognized by its serial number"
    )
    assert soup.select("form.instrument-form") == []  # only facility managers set it


def test_a_facility_manager_confirms_or_corrects_the_instrument(client, personas) -> None:
    fei_titan = InstrumentFactory(name="FEI Titan", microscope_names=[])
    cubed = InstrumentFactory(name="Titan Cubed", microscope_names=[])
    file = done_file(
        personas.dataset,
        metadata=summary(microscope="FEI Titan"),
        instrument=fei_titan,
        instrument_source="name",
    )
    url = reverse("files:instrument", args=[file.uid])
    client.force_login(personas.manager)  # a project manager is not a facility manager
    assert client.post(url, {"instrument": cubed.pk}).status_code == 403

    client.force_login(personas.facility_manager)
    soup = page(client.get(file.get_absolute_url()))
    assert texts(soup, "#instrument-choice option") == [
        "none of the facility's instruments",
        "FEI Titan",
        "Titan Cubed",
    ]
    assert one(soup, "#instrument-choice option[selected]").text == "FEI Titan"
    assert client.post(url, {"instrument": "nonsense"}).status_code == 400
    assert client.post(url, {"instrument": "999999"}).status_code == 400

    response = client.post(url, {"instrument": cubed.pk})
    assert response.status_code == 302
    file.refresh_from_db()
    assert (file.instrument, file.instrument_source) == (cubed, "manager")
    soup = page(client.get(file.get_absolute_url()))
    assert facts(soup)["Instrument"].startswith(
        "Titan Cubed the file says “FEI Titan” set by fiona on "
    )

    client.post(url, {"instrument": ""})
    file.refresh_from_db()
    assert file.instrument is None and file.instrument_source == "manager"


def test_a_multi_signal_file_opens_on_its_primary_signal_with_named_signals(
    client, personas
) -> None:
    signals = [
        {"index": 0, "title": "EDS", "kind": "spectrum", "signal_shape": [4096]},
        {"index": 1, "title": "HAADF", "kind": "image", "signal_shape": [512, 512]},
        {"index": 2, "title": "__unnamed__", "kind": "image", "signal_shape": [16, 16]},
        {
            "index": 3,
            "title": "EDS",
            "kind": "spectrum_image",
            "navigation_shape": [16, 16],
            "signal_shape": [4096],
        },
    ]
    metadata = summary(primary_signal=1, signal_count=4)
    for signal in signals:
        signal["metadata"] = metadata
    file = done_file(personas.dataset, metadata=metadata, signals=signals)
    for signal in signals[1:]:
        SignalPreview.objects.create(file=file, signal_index=signal["index"], kind=signal["kind"])
    client.force_login(personas.viewer)

    soup = page(client.get(file.get_absolute_url()))
    assert one(soup, "#summary-title").text == "Metadata of HAADF (2 of 4)"
    # Images and maps first, the larger picture first (512² HAADF before 16² pictures), a
    # picture of the specimen before a map of the same size, single spectra last; all named.
    assert texts(soup, ".signal-tabs a") == [
        "HAADF image",
        "Signal 3 image",
        "EDS spectrum image",
        "EDS spectrum",
    ]
    assert one(soup, '.signal-tabs a[aria-current="true"]')["href"] == "?signal=1"

    soup = page(client.get(file.get_absolute_url() + "?signal=0"))
    assert one(soup, "#summary-title").text == "Metadata of EDS (1 of 4)"
    soup = page(client.get(file.get_absolute_url() + "?signal=9"))
    assert one(soup, "#summary-title").text == "Metadata of HAADF (2 of 4)"
