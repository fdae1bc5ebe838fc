"""Licenses by SPDX identifier: their names and URLs (what JSON-LD and DataCite cite)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    """One license: its SPDX identifier, name and canonical URL."""

    spdx: str
    name: str
    url: str


_KNOWN = [
    License(
        "CC-BY-4.0",
        "Creative Commons Attribution 4.0 International",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    License(
        "CC-BY-SA-4.0",
        "Creative Commons Attribution Share Alike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    License(
        "CC-BY-NC-4.0",
        "Creative Commons Attribution Non Commercial 4.0 International",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    License(
        "CC-BY-NC-SA-4.0",
        "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    ),
    License(
        "CC-BY-ND-4.0",
        "Creative Commons Attribution No Derivatives 4.0 International",
        "https://creativecommons.org/licenses/by-nd/4.0/",
    ),
    License(
        "CC0-1.0",
        "Creative Commons Zero v1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    License(
        "ODC-By-1.0",
        "Open Data Commons Attribution License v1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
    License(
        "PDDL-1.0",
        "Open Data Commons Public Domain Dedication & License 1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
]
LICENSES: dict[str, License] = {license.spdx.casefold(): license for license in _KNOWN}


def license_for(value: str) -> License | None:
    """The known license a dataset's ``license`` names (its SPDX id, any case), else None."""
    return LICENSES.get(value.strip().casefold())


def license_ref(value: str) -> str | None:
    """What to cite as a dataset's license: the URL of a known SPDX id, the SPDX license page
    of another id-like value, or None when there is none."""
    value = value.strip()
    if not value:
        return None
    known = license_for(value)
    if known is not None:
        return known.url
    if value.startswith(("http://", "https://")):
        return value
    return f"https://spdx.org/licenses/{value}.html"
