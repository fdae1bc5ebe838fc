"""The RO-Crate 1.1 rules an export must keep, checked the way a validator checks them
(https://w3id.org/ro/crate/1.1: "Root Data Entity", "Data Entities", "Metadata Descriptor").

The published validator (roc-validator) pins an older ``rich`` than import-linter needs, so
the rules the specification states as MUST are checked here, each with its section's words.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+([+-]\d{2}:\d{2}|Z)?)?$")


def check_ro_crate(archive: zipfile.ZipFile, crate: dict[str, Any]) -> list[str]:
    """Every broken rule, in words (empty when the crate is valid)."""
    problems: list[str] = []
    context = crate.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if "https://w3id.org/ro/crate/1.1/context" not in contexts:
        problems.append("@context must reference https://w3id.org/ro/crate/1.1/context")
    graph = crate.get("@graph")
    if not isinstance(graph, list):
        return [*problems, "@graph must be a flat list of entities"]
    ids = [entity.get("@id") for entity in graph]
    if len(ids) != len(set(ids)):
        problems.append("every @id must appear once in @graph")
    by_id = {entity.get("@id"): entity for entity in graph}
    for entity in graph:
        if "@id" not in entity or "@type" not in entity:
            problems.append(f"every entity needs @id and @type: {entity}")
        for value in entity.values():
            for item in value if isinstance(value, list) else [value]:
                # Flattened JSON-LD: an entity refers to another by {"@id": …} alone.
                if isinstance(item, dict) and set(item) != {"@id"}:
                    problems.append(f"@graph must be flat; nested in {entity['@id']}: {item}")
    descriptor = by_id.get("ro-crate-metadata.json")
    if descriptor is None:
        return [*problems, "the metadata descriptor ro-crate-metadata.json is missing"]
    if descriptor.get("@type") != "CreativeWork":
        problems.append("the metadata descriptor's @type must be CreativeWork")
    if not str(descriptor.get("conformsTo", {}).get("@id", "")).startswith(
        "https://w3id.org/ro/crate/1.1"
    ):
        problems.append("the descriptor must conformsTo https://w3id.org/ro/crate/1.1")
    root_id = descriptor.get("about", {}).get("@id")
    root = by_id.get(root_id)
    if root is None:
        return [*problems, "the descriptor's about must name the root data entity"]
    types = root["@type"] if isinstance(root["@type"], list) else [root["@type"]]
    if "Dataset" not in types or not str(root_id).endswith("/"):
        problems.append("the root data entity must be a Dataset whose @id ends with /")
    for key in ("name", "description", "datePublished", "license"):
        if key not in root:
            problems.append(f"the root data entity must have {key}")
    if "datePublished" in root and not ISO_DATE.match(str(root["datePublished"])):
        problems.append("datePublished must be an ISO 8601 date")
    names = set(archive.namelist())
    parts = {part["@id"] for part in root.get("hasPart", [])}
    for entity in graph:
        entity_types = entity["@type"] if isinstance(entity["@type"], list) else [entity["@type"]]
        if "File" in entity_types and not str(entity["@id"]).startswith(("http", "#")):
            if entity["@id"] not in names:
                problems.append(f"a File entity must be in the crate: {entity['@id']}")
            if entity["@id"] not in parts:
                problems.append(f"a data entity must be linked from hasPart: {entity['@id']}")
    for part in parts:
        if part not in by_id:
            problems.append(f"hasPart names an entity missing from @graph: {part}")
    for entity in graph:
        for value in entity.values():
            refs = value if isinstance(value, list) else [value]
            for ref in refs:
                if isinstance(ref, dict) and set(ref) == {"@id"}:
                    target = ref["@id"]
                    local = not str(target).startswith(("http://", "https://"))
                    if local and target not in by_id:
                        problems.append(f"a reference to a missing entity: {target}")
    return problems
