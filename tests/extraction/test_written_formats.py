"""Formats beyond the shared folder: files written with RosettaSciIO's own writers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from extraction import extract


def _signal(
    data: np.ndarray, units: tuple[str, ...], navigate: tuple[bool, ...], **md: Any
) -> dict[str, Any]:
    names = ["z", "y", "x", "E"][-data.ndim :] if data.ndim < 4 else ["a", "b", "c", "d"]
    axes = [
        {"name": n, "size": s, "scale": 0.5, "offset": 0.0, "units": u, "navigate": nav}
        for n, s, u, nav in zip(names, data.shape, units, navigate, strict=True)
    ]
    metadata = {
        "General": {"title": "written", "date": "2023-03-04", "time": "05:06:07"},
        "Signal": {"signal_type": md.pop("signal_type", "")},
        "Acquisition_instrument": {"TEM": {"beam_energy": 200.0, "microscope": "Test scope", **md}},
    }
    return {
        "data": data,
        "axes": axes,
        "metadata": metadata,
        "original_metadata": {"vendor": {"key": "value"}},
        "attributes": {"_lazy": False},
        "tmp_parameters": {},
        "package_info": {"package": "", "package_version": ""},
        "learning_results": {},
        "models": {},
    }


def _image(dtype: str = "uint16") -> np.ndarray:
    yy, xx = np.mgrid[0:64, 0:48]
    return ((np.sin(yy / 5) + np.cos(xx / 7) + 2) * 1000).astype(dtype)


def _write(plugin: str, path: Path, signal: dict[str, Any], **kwds: Any) -> None:
    module = importlib.import_module(f"rsciio.{plugin}")
    module.file_writer(str(path), signal, **kwds)


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
    data = _image({"blockfile": "uint8", "semper": "float32"}.get(plugin, "uint16"))
    if plugin == "blockfile":
        # A blockfile is a 2D scan of diffraction patterns.
        frame = data[:32, :32]
        data = np.stack([frame, frame[::-1], frame[:, ::-1], frame.T]).reshape(2, 2, 32, 32)
        signal = _signal(data, ("nm", "nm", "1/nm", "1/nm"), (True, True, False, False))
    else:
        signal = _signal(data, ("nm", "nm"), (False, False))
    _write(plugin, path, signal, **kwds)
    result = extract(path, previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    if label:
        assert result.format == label
    record = result.signals[0]
    assert record.signal_shape == [data.shape[-1], data.shape[-2]]
    assert record.previews["thumbnail"] and Path(record.previews["thumbnail"]).is_file()
    if plugin in ("hspy", "zspy"):
        md = record.metadata
        assert md["acquired_at"] == "2023-03-04T05:06:07"
        assert md["microscope"] == "Test scope" and md["beam_energy_keV"] == 200.0
        assert md["pixel_size"] == {"value": 0.5, "unit": "nm"}
        assert md["si"]["pixel_size_m"] == pytest.approx(0.5e-9)


def test_written_msa_spectrum(tmp_path: Path) -> None:
    path = tmp_path / "spectrum.msa"
    y = np.exp(-(((np.arange(1024) - 300) / 20.0) ** 2)) * 1000 + 10
    signal = _signal(y, ("eV",), (False,), signal_type="EELS")
    _write("msa", path, signal)
    result = extract(path, previews_dir=tmp_path)
    assert result.status == "ok", result.error
    record = result.signals[0]
    assert record.kind == "spectrum" and record.metadata["technique"] == "EELS"
    assert record.metadata["beam_energy_keV"] == 200.0


def test_written_ripple_spectrum_image_with_raw_companion(tmp_path: Path) -> None:
    path = tmp_path / "map.rpl"
    data = np.random.default_rng(0).poisson(5, size=(6, 7, 256)).astype(np.uint16)
    signal = _signal(data, ("nm", "nm", "keV"), (True, True, False), signal_type="EDS_TEM")
    _write("ripple", path, signal)
    assert (tmp_path / "map.raw").is_file()
    from extraction import group_files

    groups = group_files(sorted(tmp_path.iterdir()))
    assert len(groups) == 1 and groups[0].companions == (tmp_path / "map.raw",)
    result = extract(groups[0], previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    record = result.signals[0]
    assert record.kind == "spectrum_image"
    assert record.navigation_shape == [7, 6] and record.signal_shape == [256]
    assert record.metadata["technique"] == "EDS"


def test_written_4d_stem_hspy(tmp_path: Path) -> None:
    path = tmp_path / "scan.hspy"
    yy, xx = np.mgrid[0:16, 0:16]
    disk = ((yy - 8) ** 2 + (xx - 8) ** 2 < 9).astype(np.float32)
    data = (disk[None, None] * (1 + np.arange(8 * 9).reshape(8, 9, 1, 1)) + 1).astype(np.float32)
    signal = _signal(
        data,
        ("nm", "nm", "1/nm", "1/nm"),
        (True, True, False, False),
        signal_type="electron_diffraction",
    )
    _write("hspy", path, signal)
    result = extract(path, previews_dir=tmp_path / "previews")
    record = result.signals[0]
    assert record.kind == "4d_stem"
    assert (
        record.metadata["technique"] == "STEM" and record.metadata["imaging_mode"] == "diffraction"
    )
    assert record.metadata["pixel_size"] == {"value": 0.5, "unit": "nm"}


def test_written_png_and_numpy(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    rgb = np.zeros((20, 30, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    from PIL import Image

    Image.fromarray(rgb).save(png)
    result = extract(png, previews_dir=tmp_path)
    assert result.status == "ok", result.error
    npy = tmp_path / "array.npy"
    np.save(npy, _image())
    result = extract(npy, previews_dir=tmp_path)
    assert result.status == "ok", result.error
    assert result.signals[0].signal_shape == [48, 64]
