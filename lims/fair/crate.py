"""The RO-Crate 1.1 metadata of an export: the root dataset, one ``File`` entity per original,
companion and metadata file, and the contextual entities (people, license, instruments).

Entities are produced one by one (generators), so that the export writes
``ro-crate-metadata.json`` as a stream, whatever the number of files.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Iterator
from typing import Any

from lims.fair.describe import Absolute, person_jsonld, publisher
from lims.fair.licenses import license_for, license_ref
from lims.files.models import CompanionFile, InstrumentFile

RO_CRATE_CONTEXT = "https://w3id.org/ro/crate/1.1/context"
RO_CRATE_SPEC = "https://w3id.org/ro/crate/1.1"
METADATA_NAME = "ro-crate-metadata.json"
#: Terms the RO-Crate 1.1 context lacks, mapped to their schema.org IRIs.
CONTEXT = [RO_CRATE_CONTEXT, {"sha256": "http://schema.org/sha256"}]


def _segment(value: str) -> str:
    cleaned = value.replace("\\", "_").replace("\x00", "").strip()
    return "_" if cleaned in {"", ".", ".."} else cleaned


def safe_path(*parts: str) -> str:
    """A relative, "/"-separated path inside the archive made of untrusted names (no
    absolute paths, no ``..``, no empty segments)."""
    segments = [_segment(s) for part in parts for s in part.split("/") if s.strip()]
    return posixpath.join(*segments) if segments else "_"


class PathBook:
    """Archive paths handed out so far: a second file of the same name in the same folder
    gets its uid in its name instead of overwriting the first."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, path: str, uid: str) -> str:
        if path in self.taken:
            stem, dot, ext = path.rpartition(".")
            path = f"{stem} ({uid[:8]}).{ext}" if dot and "/" not in ext else f"{path} ({uid[:8]})"
        self.taken.add(path)
        return path


def data_path(item: InstrumentFile | CompanionFile, folder: str) -> str:
    """Where an original (or a companion, beside its file) goes in the archive."""
    return safe_path("data", folder, item.original_name)


def metadata_path(instrument_file: InstrumentFile) -> str:
    return f"metadata/{instrument_file.uid}.json"


def file_entity(instrument_file: InstrumentFile, path: str, absolute: Absolute) -> dict[str, Any]:
    """The ``File`` entity of an original."""
    entity: dict[str, Any] = {
        "@id": path,
        "@type": "File",
        "name": instrument_file.original_name,
        "identifier": str(instrument_file.uid),
        "contentSize": str(instrument_file.size),
        "encodingFormat": instrument_file.format_label or "application/octet-stream",
        "sha256": instrument_file.sha256,
        "url": absolute(instrument_file.get_absolute_url()),
        "subjectOf": {"@id": metadata_path(instrument_file)},
    }
    metadata = instrument_file.metadata or {}
    if instrument_file.acquired_at:
        entity["dateCreated"] = instrument_file.acquired_at.isoformat()
    if metadata.get("technique"):
        entity["measurementTechnique"] = metadata["technique"]
    if instrument_file.instrument_id:
        entity["instrument"] = {"@id": f"#instrument-{instrument_file.instrument_id}"}
    license = license_ref(instrument_file.dataset.license)
    if license:
        entity["license"] = {"@id": license}
    return entity


def companion_entity(companion: CompanionFile, path: str, parent_path: str) -> dict[str, Any]:
    """The ``File`` entity of a companion data file (a ``.ser`` of an ``.emi``)."""
    return {
        "@id": path,
        "@type": "File",
        "name": companion.original_name,
        "contentSize": str(companion.size),
        "encodingFormat": "application/octet-stream",
        "sha256": companion.sha256,
        "isPartOf": {"@id": parent_path},
    }


def metadata_entity(instrument_file: InstrumentFile, data: str) -> dict[str, Any]:
    """The ``File`` entity of a file's metadata JSON (normalized, per signal, vendor's)."""
    return {
        "@id": metadata_path(instrument_file),
        "@type": "File",
        "name": f"Metadata of {instrument_file.original_name}",
        "encodingFormat": "application/json",
        "about": {"@id": data},
    }


def root_entity(
    *,
    name: str,
    description: str,
    date_published: str,
    parts: Iterable[str],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The root data entity ``./`` (RO-Crate requires name, description, datePublished,
    license and hasPart for a dataset)."""
    return {
        "@id": "./",
        "@type": "Dataset",
        "name": name,
        "description": description or name,
        "datePublished": date_published,
        "publisher": {"@id": "#publisher"},
        "hasPart": [{"@id": part} for part in parts],
        **extra,
    }


#: The root's license when the files come from datasets under different licenses.
MIXED_LICENSES = "#licenses-of-the-datasets"


def license_entity(license: str) -> dict[str, Any] | None:
    """The ``CreativeWork`` entity of a license named by SPDX id (or URL), if any."""
    ref = license_ref(license)
    if not ref:
        return None
    known = license_for(license)
    return {
        "@id": ref,
        "@type": "CreativeWork",
        "name": known.name if known else license,
        "identifier": known.spdx if known else license,
    }


def contextual_entities(
    *, dataset: Any | None, instruments: Iterable[Any], licenses: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """The publisher, the creator, the licenses and the instruments, once each."""
    yield {"@id": "#publisher", "@type": "Organization", "name": publisher()}
    organizations: dict[str, str] = {}

    def organization(name: str) -> dict[str, str]:
        """A reference to the Organization entity called ``name`` (made once)."""
        return {"@id": organizations.setdefault(name, f"#organization-{len(organizations) + 1}")}

    if dataset is not None:
        person = person_jsonld(dataset)
        person.setdefault("@id", f"#creator-{dataset.created_by_id}")
        person.pop("identifier", None)
        if "affiliation" in person:
            person["affiliation"] = organization(person["affiliation"]["name"])
        yield person
    if dataset is None:
        yield {
            "@id": MIXED_LICENSES,
            "@type": "CreativeWork",
            "name": "Each file under its dataset's license",
            "description": "The files come from several datasets; each File names its "
            "dataset's license (none named: ask the dataset's creator).",
        }
    seen: set[str] = set()
    for license in licenses:
        entity = license_entity(license)
        if entity is not None and entity["@id"] not in seen:
            seen.add(entity["@id"])
            yield entity
    for instrument in instruments:
        node: dict[str, Any] = {
            "@id": f"#instrument-{instrument.pk}",
            "@type": "IndividualProduct",
            "name": instrument.name,
        }
        if instrument.vendor:
            node["manufacturer"] = organization(instrument.vendor)
        if instrument.model:
            node["model"] = instrument.model
        if instrument.serial_number:
            node["serialNumber"] = instrument.serial_number
        yield node
    for name, identifier in organizations.items():
        yield {"@id": identifier, "@type": "Organization", "name": name}


def descriptor() -> dict[str, Any]:
    """The metadata descriptor: this file describes ``./`` and conforms to RO-Crate 1.1."""
    return {
        "@id": METADATA_NAME,
        "@type": "CreativeWork",
        "conformsTo": {"@id": RO_CRATE_SPEC},
        "about": {"@id": "./"},
    }


def crate_json(entities: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``ro-crate-metadata.json`` as pieces of text, one entity at a time."""
    yield '{"@context": ' + json.dumps(CONTEXT) + ', "@graph": [\n'
    first = True
    for entity in entities:
        yield ("" if first else ",\n") + json.dumps(entity, ensure_ascii=False)
        first = False
    yield "\n]}\n"
