"""JEOL Analysis Station (``extraction/readers/jeol.py``): microscope, vendor, live, real and
dwell times, probe current and detector from the JEOL trees; element maps are EDS."""

from __future__ import annotations

from typing import Any

import numpy as np

from extraction.core import normalize_signal
from extraction.signal import Axis, LightSignal
from tests.extraction.extra_samples import extra_dir
from tests.extraction.golden import check_record

EDS = "jeol/met03.EDS"
PTS = "jeol/Sample/00_View000/View000_0000006.pts"


def test_spectrum(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[EDS],
        {
            "format": "jeol/eds",
            "microscope": "JEM-2100F(UHR)",  # Footer.Parameters.SEM
            "vendor": "JEOL",
            "technique": "EDS",
            "live_time": 30.0,
            "real_time": 34.97,
            "detector": "EX24075JGT",
            "beam_current": 2.562000036239624e-09,  # AccNA, nA
            "working_distance": 0.0055,
        },
    )


def test_event_stream_spectrum_image(extracted_extra: dict[str, Any]) -> None:
    check_record(
        extracted_extra[PTS],
        {
            "format": "jeol/pts",
            "microscope": "JEM-2100F(UHR)",  # PARAMPAGE0_SEM.SEM
            "vendor": "JEOL",
            "technique": "EDS",
            "imaging_mode": "scanning",
            "kind": "spectrum_image",
            "live_time": 325.46,
            "real_time": 366.90000000000003,
            "dwell_time": 1e-4,  # DwellTime(msec) 0.1
            "magnification": 40000.0,
            "detector": "EX24075JGT",
        },
    )


def _image(name: str) -> LightSignal:
    """A JEOL ``.img``/``.map`` picture as RosettaSciIO gives it (TEM node, Instrument tree)."""
    axes = [Axis(n, 8, 0.1, 0.0, "µm", False) for n in ("y", "x")]
    metadata = {
        "General": {"title": "Fe", "original_filename": name},
        "Signal": {},
        "Acquisition_instrument": {"TEM": {"beam_energy": 200.0, "magnification": 5000}},
    }
    tree = {"Instrument": {"Name": "JEM-ARM200F", "Mag": 5000, "AccV": 200.0}}
    return LightSignal(0, np.zeros((8, 8), np.uint16), axes, metadata, tree, "JEOL")


def test_images_and_element_maps() -> None:
    image = normalize_signal(_image("View000_0000001.img"))
    assert (image.microscope, image.vendor, image.technique) == ("JEM-ARM200F", "JEOL", "TEM")
    element_map = normalize_signal(_image("View000_0000004.map"))
    assert (element_map.technique, element_map.kind) == ("EDS", "image")
    assert element_map.imaging_mode == "scanning"


def test_event_decoder_gives_what_rosettasciio_decodes(extracted_extra: dict[str, Any]) -> None:
    """Every frame of a real ``.pts``: the same events, picture, length and completeness as
    RosettaSciIO's own decoder (which :func:`install` replaces for speed)."""
    import rsciio.jeol._api as api

    from extraction.readers.jeol_events import ORIGINAL, decode_frame, install

    path = str(extra_dir() / PTS)
    install(api)
    assert getattr(api, ORIGINAL) is decode_frame
    namespace = vars(api)  # where the reader looks the decoder up
    compiled = _original_decoder()
    frames: list[bool] = []

    def both(rawdata: Any, _1: Any, _2: Any, picture: np.ndarray, *rest: Any) -> Any:
        theirs_picture, ours_picture = picture.copy(), picture.copy()
        theirs = compiled(rawdata, _1, _2, theirs_picture, *rest)
        ours = decode_frame(rawdata, _1, _2, ours_picture, *rest)
        frames.append(
            (theirs[0], theirs[2], theirs[3], theirs[4]) == (ours[0], ours[2], ours[3], ours[4])
            and np.array_equal(np.asarray(theirs[1]).reshape(-1, 3), ours[1])
            and np.array_equal(theirs_picture, ours_picture)
        )
        picture[...] = ours_picture
        return ours

    namespace[ORIGINAL] = both
    try:
        api.file_reader(path, lazy=True)
        api.file_reader(path, lazy=True, read_em_image=True, sum_frames=False)
    finally:
        namespace[ORIGINAL] = decode_frame
    assert len(frames) == 30 and all(frames)


def _original_decoder() -> Any:
    """RosettaSciIO's compiled ``_readframe_lazy``, from a fresh copy of its module."""
    import importlib.util

    import rsciio.jeol._api as api

    spec = importlib.util.find_spec(api.__name__)
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return fresh._readframe_lazy


def test_sparse_kernels_are_cached_on_disk_once_a_jeol_reader_loads() -> None:
    """A fresh extraction process loads them instead of compiling them for seconds."""
    import rsciio.jeol as reader
    import sparse.numba_backend._coo.core as core
    import sparse.numba_backend._coo.indexing as indexing

    from extraction.readers import prepare_reader

    prepare_reader("JEOL", reader)
    for kernel in (core._validate_coo_coords, indexing._compute_mask):
        assert type(kernel._cache).__name__ != "NullCache"
