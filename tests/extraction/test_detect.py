"""Readers chosen from the content where several claim the extension, and the read strategy
chosen from what the file declares."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from extraction import SignalMetadata, extract
from extraction.declared import declared_bytes
from extraction.detect import candidate_readers, inspect
from extraction.grouping import FileGroup
from extraction.previews import render_previews
from extraction.read import EAGER_MAX_BYTES, read_group
from tests.extraction.extra_samples import extra_dir
from tests.extraction.written import image as _image
from tests.extraction.written import signal_dict as _signal
from tests.extraction.written import write_with as _write


def _hdf5(path: Path, build: str) -> Path:
    with h5py.File(path, "w") as handle:
        if build == "delmic":
            handle.create_group("Acquisition0").create_dataset("ImageData/Image", data=[[1]])
        elif build == "emd":
            handle.attrs["version_major"] = 0
            handle.attrs["version_minor"] = 2
        elif build == "hyperspy":
            handle.attrs["file_format"] = "HyperSpy"
        elif build == "tofwerk":
            handle.attrs["TofDAQ Version"] = 1.99
        elif build == "nexus":
            handle.create_group("entry").attrs["NX_class"] = "NXentry"
    return path


@pytest.mark.parametrize(
    ("build", "first"),
    [
        ("delmic", "Delmic"),
        ("emd", "EMD"),
        ("hyperspy", "HSPY"),
        ("tofwerk", "Tofwerk"),
        ("nexus", "NeXus"),
    ],
)
def test_hdf5_content_names_the_reader(tmp_path: Path, build: str, first: str) -> None:
    readers = candidate_readers(_hdf5(tmp_path / "data.h5", build))
    assert readers[0] == first
    assert "EMD" in readers  # the EMD reader is always tried on an HDF5 .h5


@pytest.mark.parametrize(
    ("name", "content", "first"),
    [
        ("log.csv", b"TimeStamp,Temperature,Power\n0,20,1\n", "Impulse"),
        ("log.csv", b"Time,Notes,Temperature\n0,,20\n", "Protochips"),
        ("spectrum.xml", b'<?xml version="1.0"?><LSX_Tree><LSX Format="9"/>', "JobinYvon"),
        ("detector.xml", b"<root><raw_file filename='scan_x4_y4.raw'/></root>", "EMPAD"),
        ("streak.img", b"IM" + bytes(200), "Hamamatsu"),
        ("view.img", (52).to_bytes(4, "little") + bytes(200), "JEOL"),
    ],
)
def test_text_and_binary_signatures_name_the_reader(
    tmp_path: Path, name: str, content: bytes, first: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert candidate_readers(path)[0] == first


def test_real_ambiguous_files_get_their_reader(tmp_path: Path) -> None:
    assert candidate_readers(extra_dir() / "hamamatsu" / "focus_mode.img")[0] == "Hamamatsu"
    assert candidate_readers(extra_dir() / "delmic" / "sparc-hyperspectral.h5")[0] == "Delmic"
    assert inspect(extra_dir() / "delmic" / "sparc-hyperspectral.h5").kind == "hdf5"


def test_berkeley_emd_called_h5_is_read_by_the_emd_reader(tmp_path: Path) -> None:
    """py4DSTEM and other Berkeley EMD files are often called .h5."""
    path = tmp_path / "py4dstem_like.h5"
    _write("emd", path, _signal(_image(), ("nm", "nm"), (False, False)))
    result = extract(path)
    assert result.status == "ok", result.error
    assert result.reader == "EMD"
    assert result.signals[0].signal_shape == [48, 64]


def test_compressed_file_declaring_much_data_is_read_lazily(tmp_path: Path) -> None:
    """A few KB on disk, 200 MB declared: read lazily, and the preview still comes."""
    path = tmp_path / "zeros.hspy"
    data = np.zeros((50, 1000, 1000), dtype=np.float32)
    data[:, 400:600, 400:600] = 1
    signal = _signal(data, ("nm", "nm", "nm"), (True, False, False))
    _write("hspy", path, signal, compression="gzip")
    size = path.stat().st_size
    assert size < 5 * 1024**2
    assert declared_bytes(path, "HSPY", size) >= data.nbytes > EAGER_MAX_BYTES
    _, signals, _ = read_group(FileGroup(path), size)
    assert not isinstance(signals[0].data, np.ndarray)  # lazy
    result = extract(path, previews_dir=tmp_path / "previews")
    assert result.status == "ok", result.error
    assert result.signals[0].previews["preview"]


def test_small_declared_data_are_read_into_memory(samples: Path) -> None:
    velox = samples / "emd" / "Test SI 16x16 215 kx.emd"
    declared = declared_bytes(velox, "EMD", velox.stat().st_size)
    # the four EDS streams become one 16 x 16 x 4096 cube of uint16, plus the images
    assert declared is not None and 16 * 16 * 4096 * 2 <= declared < EAGER_MAX_BYTES
    _, signals, _ = read_group(FileGroup(velox), velox.stat().st_size)
    assert all(isinstance(s.data, np.ndarray) for s in signals)


def test_event_stream_is_read_lazily_with_previews(tmp_path: Path) -> None:
    """A 1.4 MB JEOL .pts declares a 1 GB cube: lazy read, previews from its events."""
    source = extra_dir() / "jeol" / "Sample" / "00_View000" / "View000_0000006.pts"
    _, signals, _ = read_group(FileGroup(source), source.stat().st_size)
    (signal,) = signals
    assert not isinstance(signal.data, np.ndarray)
    assert signal.data.nbytes >= 512 * 512 * 4096
    paths = render_previews(signal, SignalMetadata(kind="spectrum_image"), tmp_path, "pts")
    assert paths["thumbnail"] and paths["preview"]
