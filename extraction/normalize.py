"""The normalized record (:class:`~extraction.schema.SignalMetadata`) of one signal: filled
generically from HyperSpy-style ``metadata`` and the axes, then refined by a vendor module (see
``readers``), then classified and checked (:func:`finalize`). Every value is converted to its
field's unit here or in the vendor module, with :mod:`extraction.units`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from . import timeutil
from .schema import Kind, SignalMetadata
from .signal import Axis, LightSignal, get_path, subdict
from .units import (
    Dimension,
    beam_energy_ev,
    clean_str,
    dimension_of,
    first_str,
    is_length,
    is_reciprocal_length,
    parse_magnification,
    to_float,
    to_si,
)

#: EDS detectors bin at several eV per channel, EELS spectrometers at a fraction of one
EDS_MIN_DISPERSION_EV = 2.5
#: a beam energy above this (5000 keV) is a voltage in volts written where kV belong
VOLTS_AS_KV_EV = 5e6
PLAUSIBLE_BEAM_EV = (50.0, 3e6)
#: the units HyperSpy's metadata uses for a value without a ``<key>_units`` sibling
HYPERSPY_UNITS = {
    "beam_energy": "keV",
    "beam_current": "nA",
    "camera_length": "mm",
    "convergence_angle": "mrad",
    "collection_angle": "mrad",
    "working_distance": "mm",
    "dwell_time": "s",
    "exposure": "s",
    "live_time": "s",
    "real_time": "s",
    "integration_time": "s",
    "exposure_per_frame": "s",
    "stage_length": "mm",
    "stage_angle": "degree",
}


def _instrument(md: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ai = get_path(md, "Acquisition_instrument") or {}
    for key in ("TEM", "SEM"):
        node = ai.get(key) if isinstance(ai, dict) else None
        if isinstance(node, dict) and node:
            return key, node
    return None, {}


def hyperspy_value(
    node: dict[str, Any], key: str, dimension: Dimension, record: SignalMetadata
) -> float | None:
    """``node[key]`` in the stored unit of ``dimension``, read in the unit of a ``<key>_units``
    sibling or else in HyperSpy's unit for ``key``; a unit that does not fit is reported."""
    value = to_float(node.get(key))
    if value is None:
        return None
    default = HYPERSPY_UNITS[key]
    unit = node.get(f"{key}_units")
    if isinstance(unit, str) and unit.strip():
        if dimension is Dimension.ENERGY:
            converted = beam_energy_ev(value, unit)
        else:
            converted = to_si(value, unit, dimension)
        if converted is not None:
            return converted
        record.warnings.append(f"{key} unit {unit!r} not understood; read as {default}")
    return to_si(value, default, dimension)


def generic(signal: LightSignal) -> SignalMetadata:
    """Record from HyperSpy-convention metadata and axes alone; any reader gets this."""
    md = signal.metadata
    record = SignalMetadata()
    local = timeutil.parse_iso_date_time(get_path(md, "General.date"), get_path(md, "General.time"))
    if local is not None:
        tz = timeutil.tz_from_name(get_path(md, "General.time_zone"))
        record.set_acquired_at(local.replace(tzinfo=tz) if tz else local)
    family, node = _instrument(md)
    record.microscope = clean_str(node.get("microscope"))
    record.beam_energy = hyperspy_value(node, "beam_energy", Dimension.ENERGY, record)
    record.magnification = parse_magnification(node.get("magnification"))
    record.camera_length = hyperspy_value(node, "camera_length", Dimension.LENGTH, record)
    record.convergence_angle = hyperspy_value(node, "convergence_angle", Dimension.ANGLE, record)
    record.beam_current = hyperspy_value(node, "beam_current", Dimension.CURRENT, record)
    record.working_distance = hyperspy_value(node, "working_distance", Dimension.LENGTH, record)
    dwell = hyperspy_value(node, "dwell_time", Dimension.TIME, record)
    exposure = None
    for path in ("Camera", "Detector.Camera", "Detector.EELS"):
        exposure = hyperspy_value(get_path(node, path) or {}, "exposure", Dimension.TIME, record)
        if exposure is not None:
            break
    detectors = subdict(node, "Detector")
    eels = subdict(detectors, "EELS")
    eds = subdict(detectors, "EDS")
    if dwell is None and eels:
        dwell = hyperspy_value(eels, "dwell_time", Dimension.TIME, record)
    if eels:
        record.collection_angle = hyperspy_value(eels, "collection_angle", Dimension.ANGLE, record)
    if eds:
        record.live_time = hyperspy_value(eds, "live_time", Dimension.TIME, record)
        record.real_time = hyperspy_value(eds, "real_time", Dimension.TIME, record)
        if exposure is None:
            exposure = record.live_time
    # LumiSpy's convention (CL, PL, streak cameras) keeps the detector beside the microscope
    optical = subdict(get_path(md, "Acquisition_instrument") or {}, "Detector")
    if exposure is None and optical:
        exposure = hyperspy_value(optical, "integration_time", Dimension.TIME, record)
        per_frame = hyperspy_value(optical, "exposure_per_frame", Dimension.TIME, record)
        if exposure is None and per_frame is not None:
            exposure = per_frame * (to_float(optical.get("frames")) or 1)
    record.exposure_time = exposure
    record.dwell_time = dwell
    record.detector = first_str(
        eels.get("spectrometer"),
        eds.get("EDS_det"),
        eds.get("detector_type"),
        get_path(detectors, "detector_type"),
        optical.get("model"),
        optical.get("detector_type"),
    )
    record.operator = clean_str(get_path(md, "General.authors"))
    record.specimen = first_str(get_path(md, "Sample.description"), get_path(md, "Sample.name"))
    elements = get_path(md, "Sample.elements")
    if isinstance(elements, list | tuple):
        record.elements = sorted({str(e) for e in elements if isinstance(e, str) and e})
    stage = subdict(node, "Stage")
    if stage:
        set_stage(
            record,
            stage.get("x"),
            stage.get("y"),
            stage.get("z"),
            stage.get("tilt_alpha"),
            stage.get("tilt_beta"),
            length_unit=HYPERSPY_UNITS["stage_length"],
            angle_unit=HYPERSPY_UNITS["stage_angle"],
        )
    if family == "SEM":
        record.technique = "SEM"
        record.imaging_mode = "scanning"
    elif family == "TEM":
        mode = str(node.get("acquisition_mode") or "").upper()
        record.technique = "STEM" if "STEM" in mode else "TEM"
        record.imaging_mode = "scanning" if "STEM" in mode else "imaging" if mode else None
    return record


def set_stage(
    record: SignalMetadata,
    x: Any,
    y: Any,
    z: Any,
    alpha: Any,
    beta: Any,
    *,
    length_unit: str,
    angle_unit: str = "degree",
) -> None:
    """Replace the stage position with the file's, given in ``length_unit`` and ``angle_unit``."""
    record.stage_x = to_si(x, length_unit, Dimension.LENGTH)
    record.stage_y = to_si(y, length_unit, Dimension.LENGTH)
    record.stage_z = to_si(z, length_unit, Dimension.LENGTH)
    record.stage_alpha = to_si(alpha, angle_unit, Dimension.ANGLE)
    record.stage_beta = to_si(beta, angle_unit, Dimension.ANGLE)


def is_diffraction(signal: LightSignal, record: SignalMetadata) -> bool:
    """Diffraction data: said by the vendor mode, the signal type or reciprocal signal units."""
    if record.imaging_mode == "diffraction":
        return True
    if "diffraction" in signal.signal_type.lower():
        return True
    sig = signal.sig_axes
    return len(sig) == 2 and all(is_reciprocal_length(a.units) for a in sig)


def classify(signal: LightSignal, record: SignalMetadata) -> Kind:
    """Kind of the signal (one of :data:`~extraction.schema.KINDS`) from its dimensions, dtype
    and mode."""
    dtype = signal.dtype
    sig = signal.sig_axes
    nav = [a for a in signal.nav_axes if a.size > 1]
    if dtype.kind == "c":
        return "complex"
    if len(sig) == 2:
        if is_diffraction(signal, record):
            return "4d_stem" if len(nav) >= 2 else "diffraction"
        return "image" if not nav else "image_stack"
    if len(sig) == 1:
        if not nav:
            return "spectrum"
        return "line_scan" if len(nav) == 1 else "spectrum_image"
    if not sig and len(nav) == 2 and (dtype.names or all(is_spatial(a) for a in nav)):
        return "image"  # a picture whose reader lays both axes out to navigate (Phenom)
    return "other"


#: axis names that say an axis is spectral or temporal whatever its unit (a wavelength in nm)
NOT_SPATIAL_NAMES = re.compile(
    r"wave|lambda|energy|time|frequen|raman|shift|delay|\bt\b", re.IGNORECASE
)


def is_spatial(axis: Axis) -> bool:
    """A real-space axis: a length unit and a name that is not a wavelength, time…"""
    return is_length(axis.units) and not NOT_SPATIAL_NAMES.search(axis.name)


#: how files write wavenumbers, the unit of Raman shifts
WAVENUMBER_UNITS = ("1/cm", "cm-1", "cm^-1", "cm⁻¹")
#: readers of optical spectrometers and cameras (Raman, photoluminescence, streak cameras)
OPTICAL_READERS = ("JobinYvon", "Renishaw", "TriVista", "Hamamatsu")


def _has_laser(signal: LightSignal) -> bool:
    return isinstance(get_path(signal.metadata, "Acquisition_instrument.Laser"), dict)


def _optical(signal: LightSignal) -> bool:
    """Light measured by an optical spectrometer without an electron beam: the reader is an
    optical one, or the metadata name a laser or spectrometer but no microscope."""
    if signal.reader in OPTICAL_READERS:
        return True
    instrument = get_path(signal.metadata, "Acquisition_instrument") or {}
    electron = "TEM" in instrument or "SEM" in instrument
    return not electron and ("Laser" in instrument or "Spectrometer" in instrument)


def _raman_axis(signal: LightSignal) -> bool:
    """A signal axis in wavenumbers (cm⁻¹) or named a Raman shift."""
    sig = signal.sig_axes
    if len(sig) != 1:
        return False
    unit = sig[0].units.replace(" ", "").lower()
    return "raman" in sig[0].name.lower() or unit in WAVENUMBER_UNITS


def _spectral_axis(signal: LightSignal) -> Axis | None:
    sig = signal.sig_axes
    if len(sig) == 1 and dimension_of(sig[0].units) is Dimension.ENERGY:
        return sig[0]
    return None


def infer_technique(signal: LightSignal, record: SignalMetadata) -> None:
    """Spectroscopy wins for spectra: EELS/EDS/CL from the signal type or the energy axis
    (several eV per channel is EDS; a high-resolution EELS axis in meV is not)."""
    stype = signal.signal_type.upper()
    kind = record.kind
    spectral = kind in ("spectrum", "spectrum_image", "line_scan")
    if stype.startswith("EELS"):
        record.technique = "EELS"
    elif stype.startswith("EDS") or stype in ("XEDS",):
        record.technique = "EDS"
    elif stype.startswith("CL"):
        record.technique = "CL"
    elif stype.startswith("RAMAN") or (spectral and _raman_axis(signal)):
        record.technique = "Raman"
    elif stype in ("PL", "PHOTOLUMINESCENCE") or (_optical(signal) and _has_laser(signal)):
        record.technique = "PL"
    elif spectral and record.technique not in ("EELS", "EDS", "CL") and not _optical(signal):
        # an energy axis is EELS or EDS only in an electron microscope: an optical
        # spectrometer's photon energies (PL, Raman in eV) are neither
        axis = _spectral_axis(signal)
        if axis is not None:
            dispersion = to_si(abs(axis.scale), axis.units, Dimension.ENERGY) or 0.0
            record.technique = "EDS" if dispersion >= EDS_MIN_DISPERSION_EV else "EELS"
    if kind in ("diffraction", "4d_stem"):
        record.imaging_mode = "diffraction"
        if kind == "4d_stem" and record.technique in (None, "TEM"):
            record.technique = "STEM"
    if record.technique is None and stype and stype not in ("ELECTRON_DIFFRACTION", "SIGNAL2D"):
        record.technique = "other"


def pixel_axis(signal: LightSignal, kind: Kind | None) -> Axis | None:
    """The axis whose step is 'the pixel size': image x, or the scan x of mapped data."""
    if kind in ("spectrum_image", "line_scan", "4d_stem"):
        nav = [a for a in signal.nav_axes if a.size > 1]
        return nav[-1] if nav else None
    if kind in ("image", "image_stack", "diffraction", "complex"):
        sig = signal.sig_axes or [a for a in signal.nav_axes if a.size > 1]
        # both axes of a picture must be in space: a wavelength-by-position image has none
        if kind == "image" and not all(is_spatial(a) for a in sig[-2:]):
            return None
        return sig[-1] if sig else None
    return None


def finalize(signal: LightSignal, record: SignalMetadata) -> SignalMetadata:
    """Kind, technique, pixel size and plausibility warnings."""
    if record.kind is None:
        record.kind = classify(signal, record)
    record.rgb = record.rgb or signal.dtype.names is not None
    infer_technique(signal, record)
    if record.pixel_size is None and record.reciprocal_pixel_size is None:
        axis = pixel_axis(signal, record.kind)
        if axis is not None and is_spatial(axis):
            record.pixel_size = to_si(axis.scale, axis.units, Dimension.LENGTH)
        elif axis is not None and is_reciprocal_length(axis.units):
            record.reciprocal_pixel_size = to_si(
                axis.scale, axis.units, Dimension.RECIPROCAL_LENGTH
            )
    _check(record)
    data_shape = tuple(int(n) for n in signal.data.shape)
    axes_shape = tuple(a.size for a in signal.axes)
    if data_shape != axes_shape and signal.dtype.names is None:
        record.warnings.append(
            f"data shape {data_shape} differs from the calibrated axes {axes_shape}"
            + (" (packed complex FFT)" if signal.dtype.kind == "c" else "")
        )
    return record


def _check(record: SignalMetadata) -> None:
    warnings = record.warnings
    energy = record.beam_energy
    if energy is not None:
        if energy > VOLTS_AS_KV_EV:
            warnings.append(f"beam energy {energy / 1e3:g} keV looks like volts; converted to keV")
            record.beam_energy = energy = energy / 1000
        low, high = PLAUSIBLE_BEAM_EV
        if not low <= energy <= high:
            warnings.append(f"beam energy {energy / 1e3:g} keV is outside the plausible range")
    mag = record.magnification
    if mag is not None and mag <= 0:
        warnings.append(f"magnification {mag:g} in the file is not a magnification; ignored")
        record.magnification = None
    if record.camera_length is not None and record.camera_length <= 0:
        record.camera_length = None
    if record.beam_current is not None and record.beam_current <= 0:
        record.beam_current = None  # DigitalMicrograph writes 0 when nothing measured it
    for name, size, unit in (
        ("pixel size", record.pixel_size, "m"),
        ("reciprocal pixel size", record.reciprocal_pixel_size, "1/m"),
    ):
        if size is not None and size <= 0:
            # cameras write -1 for "not calibrated": a warning, and no value
            warnings.append(f"{name} {size:g} {unit} in the file is not a size; ignored")
            setattr(record, name.replace(" ", "_"), None)
    for name, value in (("exposure time", record.exposure_time), ("dwell time", record.dwell_time)):
        if value is not None and (value < 0 or value > 86400):
            warnings.append(f"{name} {value:g} s is implausible")
    when = record.acquired_at
    if when is not None and not 1980 <= when.year <= dt.date.today().year + 1:
        warnings.append(f"acquisition date {when.isoformat()} is implausible")
