"""Bruker Esprit hypermaps (``extraction/readers/bruker.py``): the EDS detector, the specimen,
and the survey image dated and typed like the spectrum image it was acquired with."""

from __future__ import annotations

from typing import Any

from tests.extraction.golden import check_record

BCF = "bruker/test_TEM.bcf"


def test_spectrum_image_detector_specimen_and_elements(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[BCF],
        {
            "format": "bruker/bcf",
            "acquired_at": "2016-08-09T14:48:10",
            "technique": "EDS",
            "kind": "spectrum_image",
            "detector": "SuperX",  # Detector.EDS.detector_type
            "specimen": "Map data",  # Sample.name
            "elements": ["Cu", "O", "Pd", "Ti"],
            "beam_energy": 200e3,
            "magnification": 225000.0,
            "real_time": 5.8111999999999995,
            "software": "Bruker Esprit",
        },
        index=1,
    )


def test_survey_image_has_the_time_of_its_spectrum_image(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[BCF],
        {
            "acquired_at": "2016-08-09T14:48:10",  # HyperSpy leaves the image undated
            "technique": "STEM",  # a scan generator's image in a TEM
            "imaging_mode": "scanning",
            "kind": "image",
            "detector": "HAADF",
            "pixel_size": 0.771004754204027e-9,
        },
        index=0,
    )


def test_the_haadf_image_is_the_files_face(extracted_extra: dict[str, Any]) -> None:
    summary = extracted_extra[BCF].summary
    assert summary is not None
    assert (summary.primary_signal, summary.title) == (0, "HAADF")
    assert summary.techniques == ["EDS", "STEM"]
