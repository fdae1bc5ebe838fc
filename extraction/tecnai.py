"""The hidden block of FEI Titan and Tecnai microscopes, parsed.

Microscopes with FEI's Tecnai plug-in for DigitalMicrograph write the state of the column into
one string at ``ImageTags.Tecnai.Microscope Info``, its lines separated by U+2028::

    Microscope Titan 300 kV D3188 SuperTwin
    Gun FEG HT 300 Extr volt 4400 V Gun Lens 3 Emission 117.0uA
    Mode TEM up Mh Zoom Image Defocus (um) 0.064 Magn 790000x
    Spot 2
    C2 42.132%
    Stage -137.311 um, -35.733 um, -138.619 um, 3.96 deg, 1.70 deg
    C2 Aperture: 150 um
    Filter related settings:
    Mode: Spectroscopy
    Selected dispersion: 0.10[eV/Channel]
    …

:func:`parse_microscope_info` reads each line on its own, by what it starts with, so lines may
come in any order or be missing; lines it does not understand are kept under ``unparsed``.
Numbers with units become ``{"value": float, "unit": str}`` quantities converted by pint:
lengths in metres, voltages in volts, currents in amperes, energies in electronvolts, angles
in degrees, lens excitations in percent. This module only reads the string; putting its
values into the normalized record is the schema's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

__all__ = ["SEPARATOR", "Quantity", "parse_microscope_info", "quantity"]

#: The line separator the plug-in writes (U+2028 LINE SEPARATOR).
SEPARATOR = "\u2028"
Quantity = dict[str, Any]
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
#: the units quantities are given in, by kind (the first one a unit converts to)
_TARGETS = ("m", "A", "V", "eV", "degree")
#: how the plug-in spells units, as pint spells them
_SPELLING = {"um": "µm", "uA": "µA", "deg": "degree", "Channel": "channel"}
#: the words of the mode line, in a microscopist's terms
_MODE_WORDS = {
    "up": ("probe", "microprobe"),  # FEI writes microprobe as "uP"; the block lower-cases it
    "uP": ("probe", "microprobe"),
    "µP": ("probe", "microprobe"),
    "nP": ("probe", "nanoprobe"),
    "np": ("probe", "nanoprobe"),
    "LM": ("magnification_range", "LM (low magnification)"),
    "Mi": ("magnification_range", "Mi (intermediate magnification)"),
    "SA": ("magnification_range", "SA (selected area)"),
    "Mh": ("magnification_range", "Mh (high magnification)"),
    "LAD": ("magnification_range", "LAD (low-angle diffraction)"),
    "D": ("magnification_range", "D (diffraction)"),
    "Zoom": ("lens_mode", "Zoom"),
    "Image": ("projection", "Image"),
    "Diffraction": ("projection", "Diffraction"),
    "TEM": ("optics", "TEM"),
    "STEM": ("optics", "STEM"),
    "EFTEM": ("optics", "EFTEM"),
}


@lru_cache(maxsize=1)
def _registry() -> Any:
    # pint is imported here: only files that carry the block need it, and building its
    # registry costs a few tenths of a second
    import pint

    return pint.get_application_registry()


def quantity(value: float, unit: str) -> Quantity:
    """``{"value": …, "unit": …}`` of ``value`` in ``unit``, converted to the unit this module
    gives its kind in (``quantity(117, "uA")`` is 1.17e-4 A); a per-channel unit keeps its
    ``/channel``, and units pint does not know (``%``) are kept as written."""
    written = unit.strip()
    if written == "%":
        return {"value": float(value), "unit": "%"}
    spelled = re.sub(r"\b(um|uA|deg|Channel)\b", lambda m: _SPELLING[m.group(1)], written)
    per_channel = spelled.endswith("/channel")
    registry = _registry()
    try:
        measured = registry.Quantity(float(value), spelled.removesuffix("/channel"))
    except Exception:  # a unit pint does not know: keep it as written
        return {"value": float(value), "unit": written}
    for target in _TARGETS:
        if measured.is_compatible_with(target):
            # 12 significant digits: what the block wrote, without binary-conversion noise
            converted = float(f"{measured.to(target).magnitude:.12g}")
            name = "deg" if target == "degree" else target
            return {"value": converted, "unit": name + ("/channel" if per_channel else "")}
    return {"value": float(measured.magnitude), "unit": written}


def _value_with_unit(text: str, default_unit: str = "") -> Quantity | str:
    """``"2000 um"``, ``"3mm"``, ``"0.10[eV/Channel]"`` as a quantity; other text as it is."""
    match = re.fullmatch(rf"\s*({_NUMBER})\s*\[?([^\]\d][^\]]*)?\]?\s*", text)
    if not match:
        return text.strip()
    unit = (match.group(2) or default_unit).strip()
    return quantity(float(match.group(1)), unit) if unit else {"value": float(match.group(1))}


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


def _microscope(rest: str, out: dict[str, Any]) -> None:
    out["microscope"] = rest
    serial = re.search(r"\b([A-Z]\d{4,5})\b", rest)
    if serial:
        out["serial_number"] = serial.group(1)
    voltage = re.search(rf"({_NUMBER})\s*kV\b", rest)
    if voltage and "high_tension" not in out:
        out["high_tension"] = quantity(float(voltage.group(1)), "kV")


def _gun(rest: str, out: dict[str, Any]) -> None:
    gun_type = re.match(r"(.+?)(?=\s+(?:HT|Extr|Gun Lens|Emission)\b|$)", rest)
    if gun_type:
        out["gun_type"] = gun_type.group(1).strip()
    if match := re.search(rf"\bHT\s+({_NUMBER})\s*(kV)?", rest):
        out["high_tension"] = quantity(float(match.group(1)), "kV")
    if match := re.search(rf"Extr\.?\s*volt\s+({_NUMBER})\s*(\w+)?", rest):
        out["extractor_voltage"] = quantity(float(match.group(1)), match.group(2) or "V")
    if match := re.search(r"Gun Lens\s+(\d+)", rest):
        out["gun_lens"] = int(match.group(1))
    if match := re.search(rf"Emission\s+({_NUMBER})\s*(\w+)?", rest):
        out["emission_current"] = quantity(float(match.group(1)), match.group(2) or "uA")


def _mode(rest: str, out: dict[str, Any]) -> None:
    words = re.split(r"\s+(?=Defocus\b|Magn\b|CL\b)", rest, maxsplit=1)
    out["mode"] = words[0].strip()
    parts: dict[str, str] = {}
    for word in words[0].split():
        role, meaning = _MODE_WORDS.get(word, ("other", word))
        parts[role] = f"{parts[role]} {meaning}" if role in parts else meaning
    out["mode_parts"] = parts
    out["mode_description"] = ", ".join(parts.values())
    if match := re.search(rf"Defocus\s*(?:\((\w+)\))?\s*({_NUMBER})\s*([nµu]m\b)?", rest):
        out["defocus"] = quantity(float(match.group(2)), match.group(1) or match.group(3) or "um")
    if match := re.search(rf"Magn\s+({_NUMBER})\s*x?", rest):
        out["magnification"] = float(match.group(1))
    if match := re.search(rf"\bCL\s+({_NUMBER})\s*([a-zµ]*m)?", rest):
        out["camera_length"] = quantity(float(match.group(1)), match.group(2) or "m")


def _stage(rest: str, out: dict[str, Any]) -> None:
    stage: dict[str, Any] = {}
    for name, part in zip(("x", "y", "z", "alpha", "beta"), rest.split(","), strict=False):
        value = _value_with_unit(part, "um" if name in ("x", "y", "z") else "deg")
        if isinstance(value, dict):
            stage[name] = value
    out["stage"] = stage


def _image_shift(rest: str, out: dict[str, Any]) -> None:
    match = re.fullmatch(rf"({_NUMBER})\s*/\s*({_NUMBER})\s*(\w+)?", rest.strip())
    if match:
        unit = match.group(3) or "um"
        out["image_shift"] = {
            "x": quantity(float(match.group(1)), unit),
            "y": quantity(float(match.group(2)), unit),
        }


#: (pattern of a whole line, handler of its named ``rest``), tried in order
_LINES: list[tuple[re.Pattern[str], Callable[[str, dict[str, Any]], None]]] = [
    (re.compile(r"Microscope\s+(?P<rest>.+)"), _microscope),
    (re.compile(r"User\s+(?P<rest>.+)"), lambda rest, out: out.update(operator=rest)),
    (re.compile(r"Gun\s+(?P<rest>.+)"), _gun),
    (re.compile(r"Mode\s+(?P<rest>[^:].*)"), _mode),
    (re.compile(r"Spot\s+(?P<rest>\d+)"), lambda rest, out: out.update(spot_size=int(rest))),
    (re.compile(r"Image shift\s+(?P<rest>.+)"), _image_shift),
    (re.compile(r"Stage\s+(?P<rest>.+)"), _stage),
]
_LENS = re.compile(rf"(?P<lens>[A-Za-z][A-Za-z0-9]*)\s+(?P<value>{_NUMBER})\s*%")
_APERTURE = re.compile(r"(?P<name>\S+)\s+Aperture:\s*(?P<value>.*)")
_FILTER_HEADER = re.compile(r"Filter related settings:?", re.IGNORECASE)
_SETTING = re.compile(r"(?P<key>[^:]+):\s*(?P<value>.*)")
#: filter settings and the name they get (``Selected aperture`` is the filter's entrance)
_FILTER_KEYS = {
    "mode": "mode",
    "selected dispersion": "dispersion",
    "selected aperture": "aperture",
    "prism shift": "prism_shift",
    "drift tube": "drift_tube",
    "total energy loss": "total_energy_loss",
    "slit width": "slit_width",
    "slit inserted": "slit_inserted",
}


def _setting(line: str, out: dict[str, Any], in_filter: bool) -> bool:
    """An aperture, a lens excitation, an energy-filter setting (a known one, or any
    ``key: value`` line after the filter's header) or another ``key: value`` setting; False
    when the line is none of these."""
    if match := _APERTURE.fullmatch(line):
        out.setdefault("apertures", {})[match.group("name")] = _value_with_unit(
            match.group("value"), "um"
        )
        return True
    if match := _LENS.fullmatch(line):
        out.setdefault("lens_strengths", {})[match.group("lens")] = quantity(
            float(match.group("value")), "%"
        )
        return True
    if match := _SETTING.fullmatch(line):
        key = match.group("key").strip().lower()
        group = "energy_filter" if key in _FILTER_KEYS or in_filter else "settings"
        name = _FILTER_KEYS.get(key, _snake(key))
        out.setdefault(group, {})[name] = _value_with_unit(match.group("value"))
        return True
    return False


def parse_microscope_info(text: str) -> dict[str, Any]:
    """The Tecnai ``Microscope Info`` string as a dictionary with readable keys (see the
    module's docstring); keys of missing lines are absent, lines not understood are listed
    under ``unparsed``. Accepts U+2028 or ordinary line breaks between lines."""
    out: dict[str, Any] = {}
    unparsed: list[str] = []
    in_filter = False
    for line in (part.strip() for part in re.split(r"[\u2028\r\n]+", text or "")):
        if _FILTER_HEADER.fullmatch(line):
            in_filter = True
            continue
        if not line:
            continue
        for pattern, handle in _LINES:
            match = pattern.fullmatch(line)
            if match:
                try:
                    handle(match.group("rest").strip(), out)
                except ValueError:
                    unparsed.append(line)
                break
        else:
            if not _setting(line, out, in_filter):
                unparsed.append(line)
    if unparsed:
        out["unparsed"] = unparsed
    return out
