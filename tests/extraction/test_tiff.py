"""TIFF files other than FEI's (``extraction/readers/tiff.py``): DM tags kept by ImageJ."""

from __future__ import annotations

from typing import Any

from extraction.readers.tiff import parse_imagej_dm_tags
from tests.extraction.golden import check_record


def test_imagej_file_with_dm_tags(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["tiff/test_loading_image_saved_with_imageJ.tif"],
        {
            "format": "tiff/imagej",
            "acquired_at": "2015-07-20T18:48:25+02:00",
            "microscope": "FEI Tecnai",
            "software": "Gatan DigitalMicrograph, saved by ImageJ",
            "beam_energy": 200e3,
            "exposure_time": 0.5,
            "detector": "BM-UltraScan",
        },
    )


def test_dm_saved_tiff_keeps_the_generic_record(extracted: dict[str, Any]) -> None:
    check_record(
        extracted["tiff/test_loading_image_saved_with_DM.tif"],
        {"format": "tiff/dm", "software": None, "kind": "image"},
    )


def test_imagej_info_lines_become_the_main_image_tags() -> None:
    info = "\n".join(
        [
            "root.ImageList.0.ImageTags.Thumbnail = true",
            "root.ImageList.1.ImageTags.Microscope Info.Voltage = 200000.0",
            "root.ImageList.1.ImageTags.Microscope Info.Name = FEI Tecnai",
            "root.ImageList.1.ImageTags.DataBar.Exposure Time (s) = 0.5",
            "root.ImageList.1.ImageTags.Acquisition.Binning = {2,2}",
        ]
    )
    assert parse_imagej_dm_tags(info) == {
        "Microscope Info": {"Voltage": 200000.0, "Name": "FEI Tecnai"},
        "DataBar": {"Exposure Time (s)": 0.5},
        "Acquisition": {"Binning": [2, 2]},
    }
