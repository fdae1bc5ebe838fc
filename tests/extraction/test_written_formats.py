"""Formats beyond the shared folder: files written with RosettaSciIO's own writers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from extraction import extract
from tests.extraction.written import image, signal_dict, write_with

IMAGE_CASES = [
    ("hspy", "image.hspy", "hspy/hdf5", {}),
    ("zspy", "image.zspy", "hspy/zarr", {}),
    ("tiff", "image.tif", "tiff/imagej", {}),
    ("emd", "image.emd", "emd/ncem", {}),
    ("blockfile", "image.blo", None, {}),
    ("semper", "image.unf", None, {}),
]


@pytest.mark.parametrize(
    ("plugin", "name", "label", "kwds"), IMAGE_CASES, ids=[c[1] for c in IMAGE_CASES]
)
def test_written_image_formats(
    tmp_path: Path, plugin: str, name: str, label: str | None, kwds: dict[str, Any]
) -> None:
    if plugin == "zspy":
        pytest.importorskip("numcodecs", reason="the ZSPY writer needs numcodecs/zarr")
    if plugin == "blockfile":
        pytest.importorskip("skimage", reason="the Blockfile writer needs scikit-image")
    path = tmp_path / name
    data = image({"blockfile": "uint8", "semper": "float32"}.get(plugin, "uint16"))
    if plugin == "blockfile":
        # A blockfile is a 2D scan of diffraction patterns.
        frame = data[:32, :32]
        data = np.stack([frame, frame[::-1], frame[:, ::-1], frame.T]).reshape(2, 2, 32, 32)
        signal = signal_dict(data, ("nm", "nm", "1/nm", "1/nm"), (True, True, False, False))
    else:
        signal = signal_dict(data, ("nm", "nm"), (False, False))
    write_with(plugin, path, signal, **kwds)
    result = extract(path, previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    if label:
        assert result.format == label
    record = result.signals[0]
    assert record.signal_shape == [data.shape[-1], data.shape[-2]]
    assert record.previews["thumbnail"] and Path(record.previews["thumbnail"]).is_file()
    if plugin in ("hspy", "zspy"):
        md = record.metadata.to_dict()
        assert md["acquired_at"] == "2023-03-04T05:06:07"
        assert md["microscope"] == "Test scope" and md["beam_energy"] == 200e3  # eV
        assert md["pixel_size"] == pytest.approx(0.5e-9)  # m
        assert md["reciprocal_pixel_size"] is None


def test_written_msa_spectrum(tmp_path: Path) -> None:
    path = tmp_path / "spectrum.msa"
    y = np.exp(-(((np.arange(1024) - 300) / 20.0) ** 2)) * 1000 + 10
    signal = signal_dict(y, ("eV",), (False,), signal_type="EELS")
    write_with("msa", path, signal)
    result = extract(path, previews_dir=tmp_path)
    assert result.status == "ok", result.error
    record = result.signals[0]
    assert record.kind == "spectrum" and record.metadata.technique == "EELS"
    assert record.metadata.beam_energy == 200e3


def test_written_ripple_spectrum_image_with_raw_companion(tmp_path: Path) -> None:
    path = tmp_path / "map.rpl"
    data = np.random.default_rng(0).poisson(5, size=(6, 7, 256)).astype(np.uint16)
    signal = signal_dict(data, ("nm", "nm", "keV"), (True, True, False), signal_type="EDS_TEM")
    write_with("ripple", path, signal)
    assert (tmp_path / "map.raw").is_file()
    from extraction import group_files

    groups = group_files(sorted(tmp_path.iterdir()))
    assert len(groups) == 1 and groups[0].companions == (tmp_path / "map.raw",)
    result = extract(groups[0], previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    record = result.signals[0]
    assert record.kind == "spectrum_image"
    assert record.navigation_shape == [7, 6] and record.signal_shape == [256]
    assert record.metadata.technique == "EDS"


def test_written_4d_stem_hspy(tmp_path: Path) -> None:
    path = tmp_path / "scan.hspy"
    yy, xx = np.mgrid[0:16, 0:16]
    disk = ((yy - 8) ** 2 + (xx - 8) ** 2 < 9).astype(np.float32)
    data = (disk[None, None] * (1 + np.arange(8 * 9).reshape(8, 9, 1, 1)) + 1).astype(np.float32)
    signal = signal_dict(
        data,
        ("nm", "nm", "1/nm", "1/nm"),
        (True, True, False, False),
        signal_type="electron_diffraction",
    )
    write_with("hspy", path, signal)
    result = extract(path, previews_dir=tmp_path / "previews")
    record = result.signals[0]
    assert record.kind == "4d_stem"
    assert record.metadata.technique == "STEM" and record.metadata.imaging_mode == "diffraction"
    assert record.metadata.pixel_size == pytest.approx(0.5e-9)  # the scan step, in m
    assert record.metadata.reciprocal_pixel_size is None


def test_written_png_and_numpy(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    rgb = np.zeros((20, 30, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    from PIL import Image

    Image.fromarray(rgb).save(png)
    result = extract(png, previews_dir=tmp_path)
    assert result.status == "ok", result.error
    npy = tmp_path / "array.npy"
    np.save(npy, image())
    result = extract(npy, previews_dir=tmp_path)
    assert result.status == "ok", result.error
    assert result.signals[0].signal_shape == [48, 64]
