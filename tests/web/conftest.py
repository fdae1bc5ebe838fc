"""Helpers for the web page tests: files whose extraction is done, as the pipeline stores them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from extraction import FileSummary
from lims.files.models import ExtractionStatus, RunStatus
from tests.factories import ExtractionRunFactory, InstrumentFileFactory, SignalPreviewFactory

# A one-pixel PNG, enough to be a preview.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a3b7d10000000049454e44ae426082"
)


def summary(**fields: Any) -> dict[str, Any]:
    """A normalized metadata summary as the extraction library writes it (the typed schema's
    keys, SI values); ``fields`` override or add schema fields."""
    record = FileSummary(
        microscope="JEM-ARM200F",
        vendor="JEOL",
        technique="TEM",
        imaging_mode="imaging",
        kind="image",
        beam_energy=200_000.0,  # eV
        magnification=200_000.0,
        camera_length=0.015,  # m
        pixel_size=5.998e-8,  # m
        exposure_time=0.03,  # s
        detector="Orius",
        specimen="graphene",
        stage_x=1.5e-6,
        stage_y=-2e-6,
        stage_z=0.0,
        stage_alpha=12.0,
        stage_beta=0.0,
        signal_count=1,
    )
    record.set_acquired_at(dt.datetime(2015, 5, 17, 17, 0, 16))
    data = record.to_dict()
    unknown = set(fields) - set(data)
    assert not unknown, f"not fields of the schema: {unknown}"
    data.update(fields)
    return data


def vendor_tree(**extra: Any) -> dict[str, Any]:
    tree = {
        "ApplicationBounds": [0, 0, 1024, 1024],
        "ImageList": {
            "TagGroup0": {
                "ImageTags": {
                    "Microscope Info": {
                        "Name": "JEM-ARM200F",
                        "Voltage": 200000.0,
                        "Indicated Magnification": 200000.0,
                    },
                    "DataBar": {"Acquisition Date": "5/17/2015", "Exposure Time (s)": 0.03},
                }
            }
        },
    }
    tree.update(extra)
    return tree


#: A spectrum as extraction stores it for the browser's plot (see extraction.spectrum).
SPECTRUM = {
    "x": [0.0, 10.0, 20.0, 30.0],
    "y": [5, 120, 40, None],
    "x_label": "Energy",
    "x_unit": "eV",
    "y_label": "Counts",
    "points": 4,
    "summed": False,
}


def done_file(
    dataset: Any = None,
    *,
    with_previews: bool = True,
    spectrum: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """An instrument file as it stands after a successful extraction (with a stored spectrum
    for its signal when ``spectrum`` is given)."""
    metadata = kwargs.pop("metadata", summary())
    tree = kwargs.pop("tree", vendor_tree())
    signal = {
        "index": 0,
        "title": "HAADF",
        "kind": metadata.get("kind", "image"),
        "navigation_shape": [],
        "signal_shape": [16, 16],
        "dtype": "uint16",
        "axes": [
            {"name": "y", "size": 16, "scale": 0.06, "offset": 0, "units": "µm", "navigate": False},
            {"name": "x", "size": 16, "scale": 0.06, "offset": 0, "units": "µm", "navigate": False},
        ],
        "metadata": metadata,
    }
    params: dict[str, Any] = {
        "status": ExtractionStatus.DONE,
        "metadata": metadata,
        "signals": [signal],
        "original_metadata": {"signals": [tree]},
        "acquired_at": dt.datetime(2015, 5, 17, 17, 0, 16, tzinfo=dt.UTC),
        "extractor_version": "1.0.0",
        **kwargs,
    }
    if dataset is not None:
        params["dataset"] = dataset
    file = InstrumentFileFactory(**params)
    if with_previews:
        file.preview.save("preview.png", ContentFile(PNG), save=False)
        file.thumbnail.save("thumb.png", ContentFile(PNG), save=False)
        file.save(update_fields=["preview", "thumbnail"])
        SignalPreviewFactory(
            file=file,
            signal_index=0,
            title="HAADF",
            kind=metadata.get("kind") or "image",
            spectrum=ContentFile(json.dumps(spectrum), name="s.spectrum.json") if spectrum else "",
        )
    now = timezone.now()
    ExtractionRunFactory(
        file=file,
        status=RunStatus.DONE,
        started_at=now - dt.timedelta(seconds=2),
        finished_at=now,
        message="",
    )
    return file


@pytest.fixture
def make_done_file():
    return done_file
