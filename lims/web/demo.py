"""Sample instrument files for trying the LIMS, written in real formats.

When the facility's shared folder of real files is not at hand, :func:`write_sample_files`
makes a small set with RosettaSciIO's own writers (through HyperSpy): an EMD image, a TIFF
image, an EMSA spectrum and a HyperSpy spectrum image, each with plausible acquisition
metadata, so that extraction, previews and search have something real to work on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _lattice(size: int, period: float, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    image = np.cos(2 * np.pi * x / period) * np.cos(2 * np.pi * y / period)
    image += 0.3 * np.cos(2 * np.pi * (x + y) / (period * 1.7))
    return (image + noise * rng.standard_normal((size, size))).astype(np.float32)


def _spectrum(channels: int, peaks: list[tuple[float, float, float]], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    energy = np.arange(channels, dtype=float)
    background = 2000 * np.exp(-energy / (channels / 4))
    signal = background + sum(a * np.exp(-0.5 * ((energy - c) / w) ** 2) for c, w, a in peaks)
    return rng.poisson(np.clip(signal, 0, None)).astype(np.float32)


def _tem(signal, *, microscope: str, kv: float, magnification: float | None, date: str, time: str):
    signal.metadata.set_item("General.date", date)
    signal.metadata.set_item("General.time", time)
    signal.metadata.set_item("Acquisition_instrument.TEM.microscope", microscope)
    signal.metadata.set_item("Acquisition_instrument.TEM.beam_energy", kv)
    if magnification:
        signal.metadata.set_item("Acquisition_instrument.TEM.magnification", magnification)
    return signal


def write_sample_files(folder: Path) -> list[Path]:
    """Write the sample files into ``folder`` (created if needed) and return their paths."""
    # HyperSpy takes seconds to import; only a demo without the shared folder needs it.
    import hyperspy.api as hs

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    image = hs.signals.Signal2D(_lattice(512, 12.5, 0.4, seed=1))
    image.metadata.General.title = "HAADF"
    for axis in image.axes_manager.signal_axes:
        axis.scale, axis.units = 0.02, "nm"
    _tem(
        image,
        microscope="Titan",
        kv=300.0,
        magnification=1_800_000,
        date="2024-03-14",
        time="10:21:05",
    )
    image.save(folder / "titan_haadf_lattice.emd", overwrite=True)
    written.append(folder / "titan_haadf_lattice.emd")

    tiff = hs.signals.Signal2D((_lattice(384, 30.0, 0.2, seed=2) * 8000 + 30000).astype(np.uint16))
    tiff.metadata.General.title = "Bright field"
    for axis in tiff.axes_manager.signal_axes:
        axis.scale, axis.units = 0.5, "nm"
    tiff.save(folder / "tecnai_bright_field.tif", overwrite=True)
    written.append(folder / "tecnai_bright_field.tif")

    eds = hs.signals.Signal1D(_spectrum(2048, [(140, 6, 900), (800, 10, 400), (1600, 14, 250)], 3))
    eds.set_signal_type("EDS_TEM")
    eds.metadata.General.title = "EDS spectrum"
    axis = eds.axes_manager.signal_axes[0]
    axis.scale, axis.offset, axis.units, axis.name = 0.01, -0.2, "keV", "Energy"
    _tem(
        eds,
        microscope="Talos F200X",
        kv=200.0,
        magnification=None,
        date="2024-05-02",
        time="15:40:00",
    )
    eds.save(folder / "talos_eds_spectrum.msa", overwrite=True)
    written.append(folder / "talos_eds_spectrum.msa")

    cube = np.stack(
        [
            _spectrum(512, [(200 + 4 * i, 8, 600 + 40 * j)], seed=10 + i * 8 + j)
            for i in range(8)
            for j in range(8)
        ]
    ).reshape(8, 8, 512)
    si = hs.signals.Signal1D(cube)
    si.set_signal_type("EELS")
    si.metadata.General.title = "EELS spectrum image"
    axis = si.axes_manager.signal_axes[0]
    axis.scale, axis.offset, axis.units, axis.name = 0.5, 250.0, "eV", "Energy loss"
    for nav in si.axes_manager.navigation_axes:
        nav.scale, nav.units = 1.5, "nm"
    _tem(
        si,
        microscope="Titan",
        kv=300.0,
        magnification=2_500_000,
        date="2024-03-14",
        time="11:02:47",
    )
    si.save(folder / "titan_eels_spectrum_image.hspy", overwrite=True)
    written.append(folder / "titan_eels_spectrum_image.hspy")
    return written
