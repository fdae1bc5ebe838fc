"""Helpers for the web page tests: files whose extraction is done, as the pipeline stores them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from lims.files.models import ExtractionStatus, RunStatus
from tests.factories import ExtractionRunFactory, InstrumentFileFactory, SignalPreviewFactory

# A one-pixel PNG, enough to be a preview.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a3b7d10000000049454e44ae426082"
)


def summary(**extra: Any) -> dict[str, Any]:
    """A normalized metadata summary like the extraction library writes."""
    record = {
        "acquired_at": "2015-05-17T17:00:16",
        "microscope": "JEM-ARM200F",
        "vendor": "JEOL",
        "technique": "TEM",
        "imaging_mode": "imaging",
        "kind": "image",
        "beam_energy_keV": 200.0,
        "magnification": 200000.0,
        "camera_length_mm": 15.0,
        "pixel_size": {"value": 0.05998, "unit": "µm"},
        "exposure_s": 0.03,
        "dwell_time_s": None,
        "detector": "Orius",
        "operator": "",
        "specimen": "graphene",
        "stage": {"x_m": 1.5e-6, "y_m": -2e-6, "z_m": 0.0, "alpha_deg": 12.0, "beta_deg": 0.0},
        "warnings": [],
        "si": {},
        "signals_count": 1,
    }
    record.update(extra)
    return record


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


def done_file(dataset: Any = None, *, with_previews: bool = True, **kwargs: Any) -> Any:
    """An instrument file as it stands after a successful extraction."""
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
        SignalPreviewFactory(file=file, signal_index=0, title="HAADF", kind="image")
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
