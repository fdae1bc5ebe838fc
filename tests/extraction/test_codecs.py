"""Compressed data HyperSpy reads once ``imagecodecs`` and ``hdf5plugin`` are installed: LZW
and JPEG TIFFs, bitshuffle/LZ4 HDF5. The reads run in a fresh interpreter, so that what
makes them work is the extraction's own registration, not an import made by a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import h5py
import hdf5plugin
import numpy as np
import pytest
import tifffile

REPO = Path(__file__).resolve().parents[2]


def _extract_in_fresh_process(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "extraction", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line: dict[str, Any] = json.loads(done.stdout)
    return line


def _image() -> np.ndarray:
    yy, xx = np.mgrid[0:96, 0:128]
    return ((np.sin(yy / 6) + np.cos(xx / 9) + 2) * 60).astype(np.uint8)


@pytest.mark.parametrize("compression", ["lzw", "jpeg", "zstd"])
def test_compressed_tiff(tmp_path: Path, compression: str) -> None:
    path = tmp_path / f"{compression}.tif"
    tifffile.imwrite(path, _image(), compression=compression)
    line = _extract_in_fresh_process(path)
    assert line["status"] == "ok", line["error"]
    (signal,) = line["signals"]
    assert signal["signal_shape"] == [128, 96]


def test_bitshuffle_lz4_hdf5(tmp_path: Path) -> None:
    """A Berkeley EMD file whose dataset is bitshuffle/LZ4-compressed (as Dectris detectors
    and others write them)."""
    path = tmp_path / "bitshuffle.emd"
    with h5py.File(path, "w") as handle:
        handle.attrs["version_major"] = 0
        handle.attrs["version_minor"] = 2
        group = handle.create_group("data/frame")
        group.attrs["emd_group_type"] = 1
        group.create_dataset("data", data=_image(), **hdf5plugin.Bitshuffle(cname="lz4"))
        for n, (size, name) in enumerate([(96, "y"), (128, "x")], start=1):
            dim = group.create_dataset(f"dim{n}", data=np.arange(size) * 0.5)
            dim.attrs["name"], dim.attrs["units"] = name, "nm"
    line = _extract_in_fresh_process(path)
    assert line["status"] == "ok", line["error"]
    (signal,) = line["signals"]
    assert sorted(signal["signal_shape"]) == [96, 128]
