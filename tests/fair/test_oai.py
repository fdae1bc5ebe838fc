"""OAI-PMH 2.0: public datasets harvested in Dublin Core and DataCite, nothing else."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from lims.datasets.models import Dataset, Publication
from lims.datasets.services import dataset_trash, dataset_update
from lims.fair import oai
from lims.projects.services import project_update
from tests.factories import DatasetFactory, ProjectFactory

pytestmark = pytest.mark.django_db

NS = {
    "o": oai.OAI,
    "dc": oai.DC,
    "oai_dc": oai.OAI_DC,
    "d": oai.DATACITE,
}
URL = "/api/v1/oai/"


def harvest(client, **args) -> ET.Element:
    response = client.get(URL, args)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{oai.OAI}}}OAI-PMH"
    assert root.find("o:responseDate", NS) is not None
    return root


def headers_of(root: ET.Element) -> dict[str, dict[str, str | None]]:
    """Each header of a list by identifier: its status, datestamp and set."""
    return {
        header.find("o:identifier", NS).text: {
            "status": header.get("status"),
            "datestamp": header.find("o:datestamp", NS).text,
            "set": getattr(header.find("o:setSpec", NS), "text", None),
        }
        for header in root.iterfind(".//o:header", NS)
    }


def error(root: ET.Element) -> str | None:
    node = root.find("o:error", NS)
    return node.get("code") if node is not None else None


@pytest.fixture
def public(personas):
    project = ProjectFactory(slug="open-graphene", name="Open graphene", visibility="public")
    dataset = DatasetFactory(
        project=project,
        title="Open lattice",
        description="Free to reuse.",
        license="CC-BY-4.0",
        doi="10.5281/zenodo.42",
    )
    dataset.tags.create(name="stem")
    return dataset


def test_identify_and_formats(client, public):
    root = harvest(client, verb="Identify")
    assert root.find("o:Identify/o:baseURL", NS).text == "http://testserver/api/v1/oai/"
    assert root.find("o:Identify/o:protocolVersion", NS).text == "2.0"
    assert root.find("o:Identify/o:granularity", NS).text == "YYYY-MM-DDThh:mm:ssZ"
    formats = harvest(client, verb="ListMetadataFormats")
    prefixes = [n.text for n in formats.iterfind(".//o:metadataPrefix", NS)]
    assert prefixes == ["oai_dc", "datacite"]
    sets = harvest(client, verb="ListSets")
    assert [n.text for n in sets.iterfind(".//o:setSpec", NS)] == ["project:open-graphene"]


def test_only_public_datasets_are_records(client, personas, public):
    root = harvest(client, verb="ListRecords", metadataPrefix="oai_dc")
    records = root.findall("o:ListRecords/o:record", NS)
    assert len(records) == 1
    identifier = records[0].find("o:header/o:identifier", NS).text
    assert identifier == f"oai:testserver:{public.uid}"
    dc = records[0].find("o:metadata/oai_dc:dc", NS)
    assert dc.find("dc:title", NS).text == "Open lattice"
    assert dc.find("dc:identifier", NS).text == "https://doi.org/10.5281/zenodo.42"
    assert dc.find("dc:rights", NS).text == "https://creativecommons.org/licenses/by/4.0/"
    assert dc.find("dc:subject", NS).text == "stem"
    # The private dataset of the personas is not there, nor by identifier.
    private = harvest(
        client,
        verb="GetRecord",
        identifier=f"oai:testserver:{personas.dataset.uid}",
        metadataPrefix="oai_dc",
    )
    assert error(private) == "idDoesNotExist"


def test_datacite_records(client, public):
    root = harvest(
        client,
        verb="GetRecord",
        identifier=f"oai:testserver:{public.uid}",
        metadataPrefix="datacite",
    )
    resource = root.find("o:GetRecord/o:record/o:metadata/d:resource", NS)
    identifier = resource.find("d:identifier", NS)
    assert (identifier.text, identifier.get("identifierType")) == ("10.5281/zenodo.42", "DOI")
    assert resource.find("d:titles/d:title", NS).text == "Open lattice"
    assert resource.find("d:publicationYear", NS).text == str(public.created_at.year)
    assert resource.find("d:resourceType", NS).get("resourceTypeGeneral") == "Dataset"
    rights = resource.find("d:rightsList/d:rights", NS)
    assert rights.get("rightsIdentifier") == "CC-BY-4.0"


def test_lists_resume_with_tokens_and_filter_by_date_and_set(client, public, monkeypatch):
    monkeypatch.setattr(oai, "PAGE", 2)
    for i in range(4):
        DatasetFactory(project=public.project, title=f"Open {i}")
    seen: list[str] = []
    root = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    while True:
        seen += [n.text for n in root.iterfind(".//o:header/o:identifier", NS)]
        token = root.find("o:ListIdentifiers/o:resumptionToken", NS)
        assert token.get("completeListSize") == "5"
        if not token.text:
            break
        root = harvest(client, verb="ListIdentifiers", resumptionToken=token.text)
    assert len(seen) == len(set(seen)) == 5
    assert error(harvest(client, verb="ListRecords", resumptionToken="nonsense")) == (
        "badResumptionToken"
    )
    future = harvest(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2999-01-01"})
    assert error(future) == "noRecordsMatch"
    today = public.modified_at.date().isoformat()
    some = harvest(
        client,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        set="project:open-graphene",
        until=f"{today}T23:59:59Z",
    )
    assert error(some) is None
    assert error(harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="x")) == (
        "noRecordsMatch"
    )
    Dataset.objects.filter(pk=public.pk).update(visibility="private")
    gone = harvest(
        client, verb="GetRecord", identifier=f"oai:testserver:{public.uid}", metadataPrefix="oai_dc"
    )
    assert gone.find("o:GetRecord/o:record/o:header", NS).get("status") == "deleted"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Delete"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc"}, "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "identifier": "oai:testserver:x"}, "badArgument"),
        (
            {"verb": "GetRecord", "identifier": "oai:x", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ],
)
def test_protocol_errors(client, public, args, code):
    assert error(harvest(client, **args)) == code


def test_repeated_arguments_and_post(client, public):
    response = client.get(URL + "?verb=Identify&verb=Identify")
    assert error(ET.fromstring(response.content)) == "badArgument"
    posted = client.post(URL, {"verb": "ListRecords", "metadataPrefix": "datacite"})
    assert posted.status_code == 200
    assert ET.fromstring(posted.content).find(".//d:resource", NS) is not None


def test_withdrawn_datasets_stay_as_deleted_records(client, personas, public):
    identifier = f"oai:testserver:{public.uid}"
    identify = harvest(client, verb="Identify")
    assert identify.find("o:Identify/o:deletedRecord", NS).text == "persistent"
    first = headers_of(harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    assert first == {
        identifier: {
            "status": None,
            "datestamp": first[identifier]["datestamp"],
            "set": "project:open-graphene",
        }
    }
    harvested = datetime.strptime(first[identifier]["datestamp"], "%Y-%m-%dT%H:%M:%SZ")

    dataset_update(dataset=public, user=public.project.created_by, visibility="internal")
    root = harvest(client, verb="ListRecords", metadataPrefix="datacite")
    [record] = root.findall("o:ListRecords/o:record", NS)
    header = record.find("o:header", NS)
    assert (header.get("status"), header.find("o:identifier", NS).text) == ("deleted", identifier)
    assert header.find("o:setSpec", NS).text == "project:open-graphene"
    assert record.find("o:metadata", NS) is None  # a deleted record says nothing more
    gone = datetime.strptime(header.find("o:datestamp", NS).text, "%Y-%m-%dT%H:%M:%SZ")
    assert gone >= harvested
    one = harvest(client, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert one.find("o:GetRecord/o:record/o:header", NS).get("status") == "deleted"
    assert one.find("o:GetRecord/o:record/o:metadata", NS) is None
    # an incremental harvest from the last one is told
    since = harvest(
        client,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": harvested.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    assert headers_of(since)[identifier]["status"] == "deleted"

    dataset_update(dataset=public, user=public.project.created_by, visibility="public")
    back = harvest(client, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert back.find("o:GetRecord/o:record/o:header", NS).get("status") is None
    assert back.find(".//dc:title", NS).text == "Open lattice"

    dataset_trash(dataset=public, user=public.project.created_by)
    Dataset.objects.filter(pk=public.pk).delete()  # purged
    purged = headers_of(harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    assert purged[identifier]["status"] == "deleted"
    assert Publication.objects.get(uid=public.uid).dataset is None


def test_a_dataset_made_public_by_its_project_is_stamped_when_it_appears(client, personas):
    project = ProjectFactory(slug="later", visibility="private")
    dataset = DatasetFactory(project=project, title="Old work")
    Dataset.objects.filter(pk=dataset.pk).update(modified_at=datetime(2020, 1, 1, tzinfo=UTC))
    identifier = f"oai:testserver:{dataset.uid}"
    # never public: no record, not even a deleted one
    none = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert error(none) == "noRecordsMatch"
    missing = harvest(client, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert error(missing) == "idDoesNotExist"

    before = datetime.now(UTC).replace(microsecond=0)
    project_update(project=project, user=project.created_by, visibility="public")
    since = headers_of(
        harvest(
            client,
            verb="ListIdentifiers",
            metadataPrefix="oai_dc",
            **{"from": before.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
    )
    assert since[identifier]["status"] is None
    assert since[identifier]["set"] == "project:later"
    assert since[identifier]["datestamp"] >= before.strftime("%Y-%m-%dT%H:%M:%SZ")

    project_update(project=project, user=project.created_by, visibility="private")
    in_set = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="project:later")
    assert headers_of(in_set)[identifier]["status"] == "deleted"


def test_tokens_of_the_earlier_version_are_refused(client, public):
    old = base64.urlsafe_b64encode(
        json.dumps({"prefix": "oai_dc", "after": ["2024-01-01T00:00:00+00:00", 1]}).encode()
    ).decode()
    root = harvest(client, verb="ListIdentifiers", resumptionToken=old)
    assert error(root) == "badResumptionToken"
