"""Thermo Fisher Phenom ``.elid`` projects (``extraction/readers/phenom.py``): a serial number
is not a microscope name, images whose axes both navigate are images, UTC times are aware, and
the project's face is its largest SEM image."""

from __future__ import annotations

from typing import Any

from tests.extraction.golden import check_record

ELID = "phenom/Elid2Version4.elid"


def test_sem_image(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[ELID],
        {
            "format": "phenom/elid",
            "microscope": "PhenomXL",
            "instrument_id": "MVE027364-0026-L",  # HyperSpy calls this the microscope
            "instrument_model": "G5 XL",
            "vendor": "Thermo Fisher Scientific",
            "acquired_at": "2019-08-07T09:37:31+00:00",
            "acquired_at_timezone_known": True,
            "technique": "SEM",
            "kind": "image",  # both axes navigate in HyperSpy (a BaseSignal)
            "dwell_time": 2e-07,
            "spot_size": 4.3,
            "emission_current": 40.3e-6,
            "horizontal_field_width": 1.9515585197840244e-05,
            "detector": "bsd-all",
            "pixel_size": 0.9757792598920122e-6,
        },
    )


def test_spectra_keep_their_own_times(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[ELID],
        {
            "technique": "EDS",
            "kind": "spectrum",
            "live_time": 5.7203385,
            "dwell_time": None,  # the image's scan dwell is not the spectrum's
        },
        index=1,
    )


def test_colour_picture_and_the_projects_face(extracted_extra: dict[str, Any]) -> None:
    result = extracted_extra[ELID]
    colour = result.signals[7]
    assert (colour.title, colour.kind, colour.metadata.rgb) == ("385test - spectrum", "image", True)
    summary = result.summary
    assert summary is not None
    assert (summary.primary_signal, summary.kind, summary.technique) == (9, "image", "SEM")
