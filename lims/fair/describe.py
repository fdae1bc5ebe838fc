"""What a dataset is, in words harvesters and people read: schema.org ``Dataset`` JSON-LD
(for the dataset page, the API and the RO-Crate), and the "how to cite" line.

Everything here reads a dataset already found through the permission seam; the aggregates
over its files (techniques, instruments, size) are one query each, whatever its size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Max, Min, Sum
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse

from lims.core.permissions import Action, can
from lims.datasets.models import Dataset
from lims.fair.licenses import license_ref
from lims.files.models import InstrumentFile

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

SCHEMA_ORG = "https://schema.org/"
ZIP = "application/zip"

#: Turns a site path into an absolute URL (``request.build_absolute_uri``).
Absolute = Callable[[str], str]


@dataclass(frozen=True)
class DatasetFacts:
    """What a dataset's files add up to (the live ones): what an export holds, its size
    before download, and what the files say about how they were measured."""

    n_files: int
    n_bytes: int
    techniques: list[str]
    instruments: list[str]
    first_acquired: Any
    last_acquired: Any


def dataset_facts(dataset: Dataset) -> DatasetFacts:
    """Count and size of ``dataset``'s files, their techniques and instruments."""
    files = InstrumentFile.objects.live().filter(dataset=dataset)
    totals = files.aggregate(
        n=Count("id"), size=Sum("size"), first=Min("acquired_at"), last=Max("acquired_at")
    )
    techniques = (
        files.annotate(technique=KeyTextTransform("technique", "metadata"))
        .exclude(technique__isnull=True)
        .exclude(technique__in=["", "null", "other"])
        .order_by("technique")
        .values_list("technique", flat=True)
        .distinct()
    )
    instruments = (
        files.exclude(instrument=None)
        .order_by("instrument__name")
        .values_list("instrument__name", flat=True)
        .distinct()
    )
    return DatasetFacts(
        n_files=totals["n"] or 0,
        n_bytes=totals["size"] or 0,
        techniques=list(techniques),
        instruments=list(instruments),
        first_acquired=totals["first"],
        last_acquired=totals["last"],
    )


def creator_name(dataset: Dataset) -> str:
    """The dataset's creator as a citation names them: "Family, Given", else the user name."""
    person = dataset.created_by
    if person.last_name:
        return f"{person.last_name}, {person.first_name}".rstrip(", ")
    return person.get_full_name() or person.get_username()


def dataset_identifier(dataset: Dataset, absolute: Absolute) -> str:
    """The dataset's persistent identifier: its DOI as a URL, else its page's URL."""
    if dataset.doi:
        return f"https://doi.org/{dataset.doi}"
    return absolute(dataset.get_absolute_url())


def citation(dataset: Dataset, absolute: Absolute) -> str:
    """How to cite the dataset: "Creator (year). Title [Data set]. Publisher. Identifier"."""
    year = dataset.created_at.year
    return (
        f"{creator_name(dataset)} ({year}). {dataset.title} [Data set]. "
        f"{publisher()}. {dataset_identifier(dataset, absolute)}"
    )


def publisher() -> str:
    """Who publishes the facility's data (``LIMS_PUBLISHER``, else the site's name)."""
    return settings.LIMS_PUBLISHER


def project_shown_to(user: AnyUser | None, dataset: Dataset) -> bool:
    """May ``user`` learn which project ``dataset`` is in? Only when they may see the project
    (a public dataset of a private project, or one seen through a share link, does not name
    it)."""
    return can(user, Action.VIEW, dataset.project)


def person_jsonld(dataset: Dataset) -> dict[str, Any]:
    """The creator as a schema.org ``Person`` (identified by ORCID iD when known)."""
    person = dataset.created_by
    node: dict[str, Any] = {
        "@type": "Person",
        "name": person.get_full_name() or person.get_username(),
    }
    if person.orcid:
        node["@id"] = f"https://orcid.org/{person.orcid}"
        node["identifier"] = node["@id"]
    if person.affiliation:
        node["affiliation"] = {"@type": "Organization", "name": person.affiliation}
    return node


def export_url(dataset: Dataset, absolute: Absolute) -> str:
    """Where the dataset's RO-Crate export is downloaded."""
    return absolute(reverse("api:dataset-export", kwargs={"uid": dataset.uid}))


def dataset_jsonld(
    dataset: Dataset,
    absolute: Absolute,
    facts: DatasetFacts | None = None,
    *,
    project_shown: bool = True,
) -> dict[str, Any]:
    """The dataset as a schema.org ``Dataset`` (JSON-LD with its ``@context``): name,
    description, creator, dates, license, identifier, keywords, distribution (the RO-Crate
    zip), measurement technique, instruments, publisher and citation; and the project it is
    part of when ``project_shown`` (the reader may see the project: see
    :func:`project_shown_to`)."""
    facts = facts or dataset_facts(dataset)
    identifier = dataset_identifier(dataset, absolute)
    node: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Dataset",
        "@id": identifier,
        "identifier": identifier,
        "url": absolute(dataset.get_absolute_url()),
        "name": dataset.title,
        "description": dataset.description or dataset.title,
        "creator": [person_jsonld(dataset)],
        "dateCreated": dataset.created_at.isoformat(),
        "dateModified": dataset.modified_at.isoformat(),
        "keywords": [tag.name for tag in dataset.tags.all()],
        "publisher": {"@type": "Organization", "name": publisher()},
        "citation": citation(dataset, absolute),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f"{dataset.title} (RO-Crate)",
                "contentUrl": export_url(dataset, absolute),
                "encodingFormat": ZIP,
                "contentSize": f"{facts.n_bytes} B",
            }
        ],
        "measurementTechnique": facts.techniques,
        "instrument": [{"@type": "Thing", "name": name} for name in facts.instruments],
    }
    if project_shown:
        node["isPartOf"] = {
            "@type": "Project",
            "name": dataset.project.name,
            "url": absolute(dataset.project.get_absolute_url()),
        }
    if facts.first_acquired and facts.last_acquired:
        node["temporalCoverage"] = (
            f"{facts.first_acquired.isoformat()}/{facts.last_acquired.isoformat()}"
        )
    license = license_ref(dataset.license)
    if license:
        node["license"] = license
    return node


def file_jsonld(instrument_file: InstrumentFile, absolute: Absolute) -> dict[str, Any]:
    """A file as a schema.org ``MediaObject`` (JSON-LD): name, size, checksum, format,
    acquisition date, technique, instrument, where to download it and the dataset it is in."""
    metadata = instrument_file.metadata or {}
    node: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "MediaObject",
        "@id": absolute(reverse("files:detail", kwargs={"uid": instrument_file.uid})),
        "identifier": str(instrument_file.uid),
        "name": instrument_file.original_name,
        "contentSize": instrument_file.size,
        "sha256": instrument_file.sha256,
        "encodingFormat": instrument_file.format_label or "application/octet-stream",
        "contentUrl": absolute(reverse("files:download", kwargs={"uid": instrument_file.uid})),
        "uploadDate": instrument_file.uploaded_at.isoformat(),
        "isPartOf": {
            "@type": "Dataset",
            "@id": dataset_identifier(instrument_file.dataset, absolute),
            "name": instrument_file.dataset.title,
        },
    }
    if instrument_file.acquired_at:
        node["dateCreated"] = instrument_file.acquired_at.isoformat()
    if metadata.get("technique"):
        node["measurementTechnique"] = metadata["technique"]
    if instrument_file.instrument_id:
        node["instrument"] = {"@type": "Thing", "name": instrument_file.instrument.name}
    elif metadata.get("microscope"):
        node["instrument"] = {"@type": "Thing", "name": metadata["microscope"]}
    return node
