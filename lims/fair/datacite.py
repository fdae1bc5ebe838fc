"""DOIs through DataCite: a public dataset's manager registers one (off unless configured).

With ``LIMS_DATACITE_PREFIX``, ``LIMS_DATACITE_USER`` and ``LIMS_DATACITE_PASSWORD`` set (the
repository account DataCite Fabrica gives a facility; ``LIMS_DATACITE_API`` is
``https://api.test.datacite.org`` for DataCite's test system, the default is the real one),
:func:`dataset_doi_register` sends the dataset's metadata (DataCite schema 4, as JSON) to
DataCite's REST API with ``event: publish``, which makes a findable DOI that resolves to the
dataset's page, and keeps the DOI on the dataset. Only public datasets get one: a DOI is
forever and must lead somewhere everyone can read.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import Action, Visibility, require
from lims.datasets.models import Dataset
from lims.fair.describe import Absolute, publisher
from lims.fair.licenses import license_for, license_ref

TIMEOUT_S = 30


class DataCiteUnavailable(Exception):
    """DataCite could not be reached, or refused the request (its words in the message)."""


def datacite_enabled() -> bool:
    """Is DOI registration configured?"""
    return bool(settings.LIMS_DATACITE_PREFIX and settings.LIMS_DATACITE_USER)


def datacite_attributes(dataset: Dataset, absolute: Absolute) -> dict[str, Any]:
    """The dataset in DataCite's JSON schema 4 (the ``attributes`` of a ``dois`` record)."""
    person = dataset.created_by
    creator: dict[str, Any] = {
        "name": f"{person.last_name}, {person.first_name}".strip(", ")
        if person.last_name
        else (person.get_full_name() or person.get_username()),
        "nameType": "Personal",
    }
    if person.first_name and person.last_name:
        creator |= {"givenName": person.first_name, "familyName": person.last_name}
    if person.orcid:
        creator["nameIdentifiers"] = [
            {
                "nameIdentifier": f"https://orcid.org/{person.orcid}",
                "nameIdentifierScheme": "ORCID",
                "schemeUri": "https://orcid.org",
            }
        ]
    if person.affiliation:
        creator["affiliation"] = [{"name": person.affiliation}]
    attributes: dict[str, Any] = {
        "prefix": settings.LIMS_DATACITE_PREFIX,
        "event": "publish",
        "url": absolute(dataset.get_absolute_url()),
        "creators": [creator],
        "titles": [{"title": dataset.title}],
        "publisher": publisher(),
        "publicationYear": dataset.created_at.year,
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Electron microscopy data"},
        "subjects": [{"subject": tag.name} for tag in dataset.tags.all()],
        "dates": [{"date": dataset.created_at.date().isoformat(), "dateType": "Created"}],
        "alternateIdentifiers": [
            {"alternateIdentifier": str(dataset.uid), "alternateIdentifierType": "UUID"}
        ],
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    if dataset.description:
        attributes["descriptions"] = [
            {"description": dataset.description, "descriptionType": "Abstract"}
        ]
    license = license_ref(dataset.license)
    if license:
        known = license_for(dataset.license)
        rights: dict[str, str] = {"rightsUri": license, "rights": dataset.license}
        if known:
            rights |= {
                "rights": known.name,
                "rightsIdentifier": known.spdx,
                "rightsIdentifierScheme": "SPDX",
            }
        attributes["rightsList"] = [rights]
    return attributes


@transaction.atomic
def dataset_doi_register(*, dataset: Dataset, user: Any, absolute: Absolute) -> Dataset:
    """Register a DOI for ``dataset`` with DataCite and keep it (the project's managers).

    ValidationError when registration is not configured, the dataset has a DOI already or is
    not public; DataCiteUnavailable when DataCite cannot be reached or refuses."""
    require(user, Action.MANAGE, dataset, "Only the project's managers register a DOI.")
    if not datacite_enabled():
        raise ValidationError("DOI registration is not configured (LIMS_DATACITE_PREFIX).")
    dataset = (
        Dataset.objects.select_for_update()
        .select_related("project", "created_by")
        .get(pk=dataset.pk)
    )
    if dataset.doi:
        raise ValidationError(f"The dataset has a DOI already: {dataset.doi}.")
    if dataset.effective_visibility != Visibility.PUBLIC:
        raise ValidationError("Only public datasets get a DOI: it must lead to a readable page.")
    body = {"data": {"type": "dois", "attributes": datacite_attributes(dataset, absolute)}}
    try:
        answer = requests.post(
            f"{settings.LIMS_DATACITE_API.rstrip('/')}/dois",
            json=body,
            auth=(settings.LIMS_DATACITE_USER, settings.LIMS_DATACITE_PASSWORD),
            headers={"Content-Type": "application/vnd.api+json"},
            timeout=TIMEOUT_S,
        )
    except requests.RequestException as error:
        raise DataCiteUnavailable(f"DataCite could not be reached: {error}") from error
    if answer.status_code != 201:
        raise DataCiteUnavailable(f"DataCite refused ({answer.status_code}): {answer.text[:300]}")
    dataset.doi = answer.json()["data"]["id"]
    dataset.save(update_fields=["doi", "modified_at"])
    audit_record(
        action=AuditAction.DOI_REGISTERED, actor=user, target=dataset, detail={"doi": dataset.doi}
    )
    return dataset
