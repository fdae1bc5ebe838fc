"""The normalized metadata record: same keys for every vendor, filled generically from
HyperSpy-style ``metadata`` and the axes, then refined by a vendor module (see ``readers``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import timeutil
from .signal import Axis, LightSignal, get_path, subdict
from .units import (
    clean_str,
    energy_factor_ev,
    is_length,
    is_reciprocal,
    length_factor,
    time_factor_s,
    to_float,
)

TECHNIQUES = ("TEM", "STEM", "SEM", "EELS", "EDS", "CL", "FIB", "other")
KINDS = (
    "image",
    "image_stack",
    "spectrum",
    "spectrum_image",
    "line_scan",
    "diffraction",
    "4d_stem",
    "complex",
    "other",
)
#: EDS detectors bin at several eV per channel, EELS spectrometers at a fraction of one
EDS_MIN_DISPERSION_EV = 2.5


def empty_record() -> dict[str, Any]:
    """A record with every key present and unknown values set to ``None``."""
    return {
        "acquired_at": None,
        "acquired_at_timezone_known": False,
        "microscope": None,
        "vendor": None,
        "technique": None,
        "imaging_mode": None,
        "kind": None,
        "beam_energy_keV": None,
        "magnification": None,
        "camera_length_mm": None,
        "pixel_size": None,
        "exposure_s": None,
        "dwell_time_s": None,
        "detector": None,
        "operator": None,
        "specimen": None,
        "stage": None,
        "warnings": [],
        "si": {},
        "extra": {},
    }


def _instrument(md: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ai = get_path(md, "Acquisition_instrument") or {}
    for key in ("TEM", "SEM"):
        node = ai.get(key) if isinstance(ai, dict) else None
        if isinstance(node, dict) and node:
            return key, node
    return None, {}


def _with_units(node: dict[str, Any], key: str, factor_of: Any) -> float | None:
    """``node[key]`` converted with the unit in a sibling ``key_units`` when there is one."""
    value = to_float(node.get(key))
    if value is None:
        return None
    unit = node.get(f"{key}_units")
    if isinstance(unit, str) and unit:
        factor = factor_of(unit)
        if factor is not None:
            return value * factor
    return value


def set_local_time(record: dict[str, Any], value: dt.datetime | None) -> None:
    """Store ``value`` as ``acquired_at`` (aware datetimes mark the time zone as known)."""
    if value is None:
        return
    record["acquired_at"] = timeutil.iso(value)
    record["acquired_at_timezone_known"] = value.tzinfo is not None


def generic(signal: LightSignal) -> dict[str, Any]:
    """Record from HyperSpy-convention metadata and axes alone; any reader gets this."""
    md = signal.metadata
    record = empty_record()
    local = timeutil.parse_iso_date_time(get_path(md, "General.date"), get_path(md, "General.time"))
    if local is not None:
        tz = timeutil.tz_from_name(get_path(md, "General.time_zone"))
        set_local_time(record, local.replace(tzinfo=tz) if tz else local)
    family, node = _instrument(md)
    record["microscope"] = clean_str(node.get("microscope"))
    energy = to_float(node.get("beam_energy"))
    unit = node.get("beam_energy_units")
    if energy is not None and isinstance(unit, str) and unit.lower() in ("v", "kv", "mv"):
        energy *= {"v": 1e-3, "kv": 1.0, "mv": 1e3}[unit.lower()]
    record["beam_energy_keV"] = energy
    record["magnification"] = to_float(node.get("magnification"))
    record["camera_length_mm"] = to_float(node.get("camera_length"))
    exposure = None
    dwell = _with_units(node, "dwell_time", time_factor_s)
    detectors = subdict(node, "Detector")
    for path in ("Camera.exposure", "Detector.Camera.exposure", "Detector.EELS.exposure"):
        value = to_float(get_path(node, path))
        if value is not None:
            exposure = value
            break
    eels = subdict(detectors, "EELS")
    eds = subdict(detectors, "EDS")
    if dwell is None and eels:
        dwell = _with_units(eels, "dwell_time", time_factor_s)
    if exposure is None and eds:
        exposure = _with_units(eds, "live_time", time_factor_s)
        real = _with_units(eds, "real_time", time_factor_s)
        if real is not None:
            record["extra"]["real_time_s"] = real
    record["exposure_s"] = exposure
    record["dwell_time_s"] = dwell
    record["detector"] = clean_str(eels.get("spectrometer")) or clean_str(eds.get("EDS_det"))
    record["operator"] = clean_str(get_path(md, "General.authors"))
    record["specimen"] = clean_str(get_path(md, "Sample.description"))
    stage = subdict(node, "Stage") or None
    if stage:
        # HyperSpy's convention: x/y/z in mm, tilts in degrees
        record["stage"] = make_stage(
            to_float(stage.get("x")),
            to_float(stage.get("y")),
            to_float(stage.get("z")),
            to_float(stage.get("tilt_alpha")),
            to_float(stage.get("tilt_beta")),
            length_unit_m=1e-3,
        )
    if family == "SEM":
        record["technique"] = "SEM"
        record["imaging_mode"] = "scanning"
        wd = to_float(node.get("working_distance"))
        if wd is not None:
            record["extra"]["working_distance_mm"] = wd
        current = to_float(node.get("beam_current"))
        if current is not None:
            record["extra"]["beam_current_nA"] = current
    elif family == "TEM":
        mode = str(node.get("acquisition_mode") or "").upper()
        record["technique"] = "STEM" if "STEM" in mode else "TEM"
        record["imaging_mode"] = "scanning" if "STEM" in mode else "imaging" if mode else None
    return record


def make_stage(
    x: float | None,
    y: float | None,
    z: float | None,
    alpha: float | None,
    beta: float | None,
    *,
    length_unit_m: float,
) -> dict[str, float | None] | None:
    """Stage position in metres and degrees, or ``None`` when every value is unknown."""
    values = {
        "x_m": x * length_unit_m if x is not None else None,
        "y_m": y * length_unit_m if y is not None else None,
        "z_m": z * length_unit_m if z is not None else None,
        "alpha_deg": alpha,
        "beta_deg": beta,
    }
    if all(v is None for v in values.values()):
        return None
    return values


def is_diffraction(signal: LightSignal, record: dict[str, Any]) -> bool:
    """Diffraction data: said by the vendor mode, the signal type or reciprocal signal units."""
    if record.get("imaging_mode") == "diffraction":
        return True
    if "diffraction" in signal.signal_type.lower():
        return True
    sig = signal.sig_axes
    return len(sig) == 2 and all(is_reciprocal(a.units) for a in sig)


def classify(signal: LightSignal, record: dict[str, Any]) -> str:
    """Kind of the signal (one of :data:`KINDS`) from its dimensions, dtype and mode."""
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
    if dtype.names and len(sig) == 2:
        return "image"
    return "other"


def _spectral_axis(signal: LightSignal) -> Axis | None:
    sig = signal.sig_axes
    if len(sig) == 1 and energy_factor_ev(sig[0].units):
        return sig[0]
    return None


def infer_technique(signal: LightSignal, record: dict[str, Any]) -> None:
    """Spectroscopy wins for spectra: EELS/EDS/CL from the signal type or the energy axis."""
    stype = signal.signal_type.upper()
    kind = record["kind"]
    spectral = kind in ("spectrum", "spectrum_image", "line_scan")
    if stype.startswith("EELS"):
        record["technique"] = "EELS"
    elif stype.startswith("EDS") or stype in ("XEDS",):
        record["technique"] = "EDS"
    elif stype.startswith("CL"):
        record["technique"] = "CL"
    elif spectral and record["technique"] not in ("EELS", "EDS", "CL"):
        axis = _spectral_axis(signal)
        if axis is not None:
            factor = energy_factor_ev(axis.units) or 1.0
            dispersion = abs(axis.scale) * factor
            record["technique"] = "EDS" if dispersion >= EDS_MIN_DISPERSION_EV else "EELS"
    if kind in ("diffraction", "4d_stem"):
        record["imaging_mode"] = "diffraction"
        if kind == "4d_stem" and record["technique"] in (None, "TEM"):
            record["technique"] = "STEM"
    if record["technique"] is None and stype and stype not in ("ELECTRON_DIFFRACTION", "SIGNAL2D"):
        record["technique"] = "other"
    if record["technique"] is None and kind == "4d_stem":
        record["technique"] = "STEM"


def pixel_axis(signal: LightSignal, kind: str) -> Axis | None:
    """The axis whose step is 'the pixel size': image x, or the scan x of mapped data."""
    if kind in ("spectrum_image", "line_scan", "4d_stem"):
        nav = [a for a in signal.nav_axes if a.size > 1]
        return nav[-1] if nav else None
    if kind in ("image", "image_stack", "diffraction", "complex"):
        sig = signal.sig_axes
        return sig[-1] if sig else None
    return None


def finalize(signal: LightSignal, record: dict[str, Any]) -> dict[str, Any]:
    """Kind, technique, pixel size, SI copies and plausibility warnings."""
    if record["kind"] is None:
        record["kind"] = classify(signal, record)
    infer_technique(signal, record)
    kind = record["kind"]
    if record["pixel_size"] is None:
        axis = pixel_axis(signal, kind)
        if axis is not None and (is_length(axis.units) or is_reciprocal(axis.units)):
            record["pixel_size"] = {"value": axis.scale, "unit": axis.units}
    warnings: list[str] = record["warnings"]
    _check(record, warnings)
    pixel = record["pixel_size"]
    pixel_m = None
    if pixel and pixel.get("value") is not None:
        factor = length_factor(pixel.get("unit"))
        pixel_m = pixel["value"] * factor if factor else None
    energy = record["beam_energy_keV"]
    camera = record["camera_length_mm"]
    record["si"] = {
        "beam_energy_V": energy * 1e3 if energy is not None else None,
        "pixel_size_m": pixel_m,
        "camera_length_m": camera * 1e-3 if camera is not None else None,
        "exposure_s": record["exposure_s"],
        "dwell_time_s": record["dwell_time_s"],
        "magnification": record["magnification"],
    }
    data_shape = tuple(int(n) for n in signal.data.shape)
    axes_shape = tuple(a.size for a in signal.axes)
    if data_shape != axes_shape and signal.dtype.names is None:
        warnings.append(
            f"data shape {data_shape} differs from the calibrated axes {axes_shape}"
            + (" (packed complex FFT)" if signal.dtype.kind == "c" else "")
        )
    return record


def _check(record: dict[str, Any], warnings: list[str]) -> None:
    energy = record["beam_energy_keV"]
    if energy is not None:
        if energy > 5000:
            warnings.append(f"beam energy {energy:g} looks like volts; converted to keV")
            record["beam_energy_keV"] = energy = energy / 1000
        if not 0.05 <= energy <= 3000:
            warnings.append(f"beam energy {energy:g} keV is outside the plausible range")
    mag = record["magnification"]
    if mag is not None and mag <= 0:
        warnings.append(f"magnification {mag:g} in the file is not a magnification; ignored")
        record["magnification"] = None
    camera = record["camera_length_mm"]
    if camera is not None and camera <= 0:
        record["camera_length_mm"] = None
    pixel = record["pixel_size"]
    if pixel and (pixel.get("value") is None or pixel["value"] <= 0):
        warnings.append(f"pixel size {pixel.get('value')} {pixel.get('unit')} is not positive")
    for key in ("exposure_s", "dwell_time_s"):
        value = record[key]
        if value is not None and (value < 0 or value > 86400):
            warnings.append(f"{key} {value:g} s is implausible")
    when = record["acquired_at"]
    if when:
        try:
            year = int(when[:4])
        except ValueError:
            year = 0
        if year < 1980 or year > dt.date.today().year + 1:
            warnings.append(f"acquisition date {when} is implausible")
