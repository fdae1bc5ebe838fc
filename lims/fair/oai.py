"""An OAI-PMH 2.0 repository of the public datasets, so that institutional repositories and
aggregators harvest them: Dublin Core (``oai_dc``) and DataCite kernel 4 (``datacite``).

:func:`oai_response` answers one request's arguments with the XML document the protocol
prescribes, errors included (an OAI-PMH error is a 200 with an ``<error code=…>``). Records
are the datasets anonymous visitors may see (``visible_to`` an anonymous user, so never
anything private or in the trash) and, as deleted records, those they could see once
(``deletedRecord=persistent``): each request first brings the repository's
:class:`~lims.datasets.models.Publication` rows up to date (:func:`publications_reconcile`).
A record's datestamp is the later of the dataset's last change and when the repository saw it
appear; a deleted record's is when the repository saw it go. Sets are projects
(``project:<slug>``). Lists come 100 records at a time with a resumption token.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, DateTimeField, F, Q, QuerySet, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from lims.datasets.models import Dataset, Publication
from lims.fair.describe import (
    Absolute,
    creator_name,
    dataset_identifier,
    project_shown_to,
    publisher,
)
from lims.fair.licenses import license_for, license_ref
from lims.projects.models import Project

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
DATACITE = "http://datacite.org/schema/kernel-4"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
for prefix, uri in {"": OAI, "oai_dc": OAI_DC, "dc": DC, "xsi": XSI}.items():
    ET.register_namespace(prefix, uri)

FORMATS = {
    "oai_dc": (OAI_DC, "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
    "datacite": (DATACITE, "http://schema.datacite.org/meta/kernel-4.4/metadata.xsd"),
}
PAGE = 100
TOKEN_VERSION = 2
VERBS = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": {"resumptionToken"},
    "GetRecord": {"identifier", "metadataPrefix"},
    "ListIdentifiers": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "ListRecords": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
}
REQUIRED = {"GetRecord": {"identifier", "metadataPrefix"}}


class OaiError(Exception):
    """An error the protocol names (``code``), answered inside the document."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Repository:
    """Where the repository is: its base URL, the host part of its identifiers, and how to
    make a site path absolute."""

    base_url: str
    host: str
    absolute: Absolute
    admin_email: str

    def identifier(self, uid: uuid.UUID) -> str:
        return f"oai:{self.host}:{uid}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def public_datasets() -> QuerySet[Dataset]:
    """What the repository offers: the datasets anyone may see, oldest change first."""
    return (
        Dataset.objects.visible_to(AnonymousUser())
        .select_related("project", "created_by")
        .prefetch_related("tags")
        .order_by("modified_at", "id")
    )


def publications_reconcile() -> None:
    """Bring the repository's rows up to what anonymous visitors may see now.

    A public dataset with no row, or a withdrawn one, appears now; a row whose dataset is no
    longer public (made private or internal, its project's change, the trash, a purge) is
    withdrawn now. So an incremental harvest (``from``) sees both, whenever and however the
    change was made. Concurrent requests agree: the writes are idempotent.
    """
    now = timezone.now()
    open_projects = set(Project.objects.visible_to(None).values_list("id", flat=True))
    public = {
        uid: (pk, f"project:{slug}" if project_id in open_projects else "")
        for pk, uid, project_id, slug in Dataset.objects.visible_to(AnonymousUser()).values_list(
            "id", "uid", "project_id", "project__slug"
        )
    }
    rows = {
        uid: (shown, set_spec)
        for uid, shown, set_spec in Publication.objects.values_list("uid", "public", "set_spec")
    }
    appeared = [
        Publication(uid=uid, dataset_id=pk, public=True, changed_at=now, set_spec=set_spec)
        for uid, (pk, set_spec) in public.items()
        if not rows.get(uid, (False, ""))[0]
    ]
    if appeared:
        Publication.objects.bulk_create(
            appeared,
            update_conflicts=True,
            unique_fields=["uid"],
            update_fields=["dataset", "public", "changed_at", "set_spec"],
        )
    for uid, (_, set_spec) in public.items():  # a project made public or private, or renamed
        if uid in rows and rows[uid][0] and rows[uid][1] != set_spec:
            Publication.objects.filter(uid=uid).update(set_spec=set_spec)
    gone = [uid for uid, (shown, _) in rows.items() if shown and uid not in public]
    if gone:
        Publication.objects.filter(uid__in=gone, public=True).update(public=False, changed_at=now)


def _records() -> QuerySet[Publication]:
    """Every record the repository has, public or deleted, with its datestamp (``stamp``),
    oldest first."""
    stamp = Case(
        When(
            public=True,
            then=Greatest("changed_at", Coalesce("dataset__modified_at", "changed_at")),
        ),
        default=F("changed_at"),
        output_field=DateTimeField(),
    )
    return Publication.objects.annotate(stamp=stamp).order_by("stamp", "id")


def _moment(value: str, *, end: bool) -> datetime:
    """A ``from``/``until`` argument (day or second granularity) as an aware datetime."""
    if len(value) == 10:
        day = parse_date(value)
        if day is None:
            raise OaiError("badArgument", f"Not a date: {value}")
        clock = datetime.max.time() if end else datetime.min.time()
        return datetime.combine(day, clock, tzinfo=UTC)
    moment = parse_datetime(value) if value.endswith("Z") and len(value) == 20 else None
    if moment is None:
        raise OaiError("badArgument", f"Not a UTC datestamp (YYYY-MM-DDThh:mm:ssZ): {value}")
    return moment.replace(microsecond=999999) if end else moment


def dublin_core(dataset: Dataset, repository: Repository) -> ET.Element:
    """The dataset in unqualified Dublin Core (``oai_dc``)."""
    root = ET.Element(
        f"{{{OAI_DC}}}dc",
        {f"{{{XSI}}}schemaLocation": f"{OAI_DC} {FORMATS['oai_dc'][1]}"},
    )
    _sub(root, f"{{{DC}}}title", dataset.title)
    _sub(root, f"{{{DC}}}creator", creator_name(dataset))
    for tag in dataset.tags.all():
        _sub(root, f"{{{DC}}}subject", tag.name)
    if dataset.description:
        _sub(root, f"{{{DC}}}description", dataset.description)
    _sub(root, f"{{{DC}}}publisher", publisher())
    _sub(root, f"{{{DC}}}date", dataset.created_at.date().isoformat())
    _sub(root, f"{{{DC}}}type", "Dataset")
    _sub(root, f"{{{DC}}}identifier", dataset_identifier(dataset, repository.absolute))
    if project_shown_to(None, dataset):  # harvesters are anonymous
        _sub(root, f"{{{DC}}}relation", repository.absolute(dataset.project.get_absolute_url()))
    license = license_ref(dataset.license)
    if license:
        _sub(root, f"{{{DC}}}rights", license)
    return root


def datacite(dataset: Dataset, repository: Repository) -> ET.Element:
    """The dataset in the DataCite metadata schema, kernel 4 (``datacite``)."""
    ns = f"{{{DATACITE}}}"
    root = ET.Element(
        f"{ns}resource",
        {f"{{{XSI}}}schemaLocation": f"{DATACITE} {FORMATS['datacite'][1]}"},
    )
    if dataset.doi:
        _sub(root, f"{ns}identifier", dataset.doi, identifierType="DOI")
    else:
        url = repository.absolute(dataset.get_absolute_url())
        _sub(root, f"{ns}identifier", url, identifierType="URL")
    creators = _sub(root, f"{ns}creators")
    creator = _sub(creators, f"{ns}creator")
    person = dataset.created_by
    _sub(creator, f"{ns}creatorName", creator_name(dataset), nameType="Personal")
    if person.first_name:
        _sub(creator, f"{ns}givenName", person.first_name)
    if person.last_name:
        _sub(creator, f"{ns}familyName", person.last_name)
    if person.orcid:
        _sub(
            creator,
            f"{ns}nameIdentifier",
            f"https://orcid.org/{person.orcid}",
            nameIdentifierScheme="ORCID",
            schemeURI="https://orcid.org",
        )
    if person.affiliation:
        _sub(creator, f"{ns}affiliation", person.affiliation)
    titles = _sub(root, f"{ns}titles")
    _sub(titles, f"{ns}title", dataset.title)
    _sub(root, f"{ns}publisher", publisher())
    _sub(root, f"{ns}publicationYear", str(dataset.created_at.year))
    _sub(root, f"{ns}resourceType", "Electron microscopy data", resourceTypeGeneral="Dataset")
    tags = list(dataset.tags.all())
    if tags:
        subjects = _sub(root, f"{ns}subjects")
        for tag in tags:
            _sub(subjects, f"{ns}subject", tag.name)
    dates = _sub(root, f"{ns}dates")
    _sub(dates, f"{ns}date", dataset.created_at.date().isoformat(), dateType="Created")
    _sub(dates, f"{ns}date", dataset.modified_at.date().isoformat(), dateType="Updated")
    alternates = _sub(root, f"{ns}alternateIdentifiers")
    _sub(alternates, f"{ns}alternateIdentifier", str(dataset.uid), alternateIdentifierType="UUID")
    license = license_ref(dataset.license)
    if license:
        rights = _sub(root, f"{ns}rightsList")
        known = license_for(dataset.license)
        attrs = {"rightsURI": license}
        if known:
            attrs |= {"rightsIdentifier": known.spdx, "rightsIdentifierScheme": "SPDX"}
        _sub(rights, f"{ns}rights", known.name if known else dataset.license, **attrs)
    if dataset.description:
        descriptions = _sub(root, f"{ns}descriptions")
        _sub(descriptions, f"{ns}description", dataset.description, descriptionType="Abstract")
    return root


METADATA: dict[str, Callable[[Dataset, Repository], ET.Element]] = {
    "oai_dc": dublin_core,
    "datacite": datacite,
}


def _header(
    parent: ET.Element, row: Publication, dataset: Dataset | None, repository: Repository
) -> None:
    """A record's header; ``dataset`` is None for a deleted record."""
    header = _sub(parent, "header", **({} if dataset else {"status": "deleted"}))
    _sub(header, "identifier", repository.identifier(row.uid))
    _sub(header, "datestamp", _stamp(row.stamp))  # type: ignore[attr-defined]
    if row.set_spec:  # a private project's slug stays unsaid
        _sub(header, "setSpec", row.set_spec)


def _record(
    parent: ET.Element,
    row: Publication,
    dataset: Dataset | None,
    prefix: str,
    repository: Repository,
) -> None:
    record = _sub(parent, "record")
    _header(record, row, dataset, repository)
    if dataset is not None:  # a deleted record has a header only
        metadata = _sub(record, "metadata")
        metadata.append(METADATA[prefix](dataset, repository))


def _shown(rows: list[Publication]) -> dict[int, Dataset]:
    """The public datasets of ``rows`` by id, read in one query (a row public a moment ago
    whose dataset is not, any more, is answered as deleted)."""
    ids = [row.dataset_id for row in rows if row.public and row.dataset_id]
    return {dataset.pk: dataset for dataset in public_datasets().filter(id__in=ids)}


def _publication(identifier: str, repository: Repository) -> tuple[Publication, Dataset | None]:
    """The record named ``identifier`` and, unless it is deleted, its dataset."""
    head = f"oai:{repository.host}:"
    try:
        uid = uuid.UUID(identifier.removeprefix(head)) if identifier.startswith(head) else None
        row = _records().filter(uid=uid).first() if uid else None
    except ValueError:
        row = None
    if row is None:
        raise OaiError("idDoesNotExist", f"No record {identifier}.")
    return row, _shown([row]).get(row.dataset_id or 0)


def _token(args: Mapping[str, str]) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(args["resumptionToken"].encode()))
        # version 2 counts records (publications); an older token names datasets
        if not isinstance(state, dict) or state.get("v") != TOKEN_VERSION:
            raise ValueError
        if not isinstance(state.get("after"), list):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise OaiError("badResumptionToken", "The resumption token is not ours.") from error
    return state


def _list(verb: str, args: Mapping[str, str], parent: ET.Element, repository: Repository) -> None:
    state: dict[str, Any] = (
        _token(args)
        if "resumptionToken" in args
        else {
            "prefix": args.get("metadataPrefix"),
            "from": args.get("from"),
            "until": args.get("until"),
            "set": args.get("set"),
            "v": TOKEN_VERSION,
            "after": None,
        }
    )
    prefix = state.get("prefix")
    if not prefix:
        raise OaiError("badArgument", "metadataPrefix is required.")
    if prefix not in METADATA:
        raise OaiError("cannotDisseminateFormat", f"No format {prefix}; see ListMetadataFormats.")
    records = _records()
    if state.get("from"):
        records = records.filter(stamp__gte=_moment(state["from"], end=False))
    if state.get("until"):
        records = records.filter(stamp__lte=_moment(state["until"], end=True))
    if state.get("from") and state.get("until") and len(state["from"]) != len(state["until"]):
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if state.get("set"):
        spec = str(state["set"])
        if not spec.startswith("project:"):
            raise OaiError("noRecordsMatch", f"No set {spec}.")
        # Sets are the projects anonymous harvesters may see, or saw (a private one is none).
        records = records.filter(set_spec=spec)
    total = records.count()
    if state.get("after"):
        stamp, pk = state["after"]
        moment = parse_datetime(stamp)
        if moment is None:
            raise OaiError("badResumptionToken", "The resumption token is not ours.")
        records = records.filter(Q(stamp__gt=moment) | Q(stamp=moment, id__gt=pk))
    page = list(records[: PAGE + 1])
    if not page:
        raise OaiError("noRecordsMatch", "No record matches.")
    shown = _shown(page[:PAGE])
    container = _sub(parent, verb)
    for row in page[:PAGE]:
        dataset = shown.get(row.dataset_id or 0)
        if verb == "ListRecords":
            _record(container, row, dataset, prefix, repository)
        else:
            _header(container, row, dataset, repository)
    done = int(state.get("cursor", 0))
    if len(page) > PAGE or "resumptionToken" in args:
        token = _sub(container, "resumptionToken", completeListSize=str(total), cursor=str(done))
        if len(page) > PAGE:
            last = page[PAGE - 1]
            following = {
                **state,
                "v": TOKEN_VERSION,
                "after": [last.stamp.isoformat(), last.pk],  # type: ignore[attr-defined]
                "cursor": done + PAGE,
            }
            token.text = base64.urlsafe_b64encode(json.dumps(following).encode()).decode()


def _identify(parent: ET.Element, repository: Repository) -> None:
    identify = _sub(parent, "Identify")
    _sub(identify, "repositoryName", publisher())
    _sub(identify, "baseURL", repository.base_url)
    _sub(identify, "protocolVersion", "2.0")
    _sub(identify, "adminEmail", repository.admin_email)
    first = _records().values_list("stamp", flat=True).first()
    _sub(identify, "earliestDatestamp", _stamp(first or timezone.now()))
    _sub(identify, "deletedRecord", "persistent")
    _sub(identify, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def _answer(args: Mapping[str, str], parent: ET.Element, repository: Repository) -> None:
    verb = args.get("verb", "")
    if verb not in VERBS:
        raise OaiError("badVerb", f"Not an OAI-PMH verb: {verb!r}.")
    extra = set(args) - VERBS[verb] - {"verb"}
    if extra:
        raise OaiError("badArgument", f"{verb} takes no {', '.join(sorted(extra))}.")
    if "resumptionToken" in args and set(args) - {"verb", "resumptionToken"}:
        raise OaiError("badArgument", "A resumption token comes alone.")
    missing = REQUIRED.get(verb, set()) - set(args)
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(sorted(missing))}.")
    publications_reconcile()
    if verb == "Identify":
        _identify(parent, repository)
    elif verb == "ListMetadataFormats":
        if "identifier" in args:
            _publication(args["identifier"], repository)
        formats = _sub(parent, "ListMetadataFormats")
        for prefix, (namespace, schema) in FORMATS.items():
            node = _sub(formats, "metadataFormat")
            _sub(node, "metadataPrefix", prefix)
            _sub(node, "schema", schema)
            _sub(node, "metadataNamespace", namespace)
    elif verb == "ListSets":
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "Sets come in one list.")
        sets = _sub(parent, "ListSets")
        public = Project.objects.visible_to(None).filter(datasets__in=public_datasets()).distinct()
        for project in public.order_by("slug"):
            node = _sub(sets, "set")
            _sub(node, "setSpec", f"project:{project.slug}")
            _sub(node, "setName", project.name)
    elif verb == "GetRecord":
        prefix = args["metadataPrefix"]
        if prefix not in METADATA:
            raise OaiError("cannotDisseminateFormat", f"No format {prefix}.")
        row, dataset = _publication(args["identifier"], repository)
        _record(_sub(parent, "GetRecord"), row, dataset, prefix, repository)
    else:
        _list(verb, args, parent, repository)


def oai_response(args: Mapping[str, list[str]], repository: Repository) -> bytes:
    """The XML document answering a request whose arguments are ``args`` (each name with
    all the values it was given: a repeated argument is an error)."""
    root = ET.Element(
        f"{{{OAI}}}OAI-PMH",
        {
            f"{{{XSI}}}schemaLocation": f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
        },
    )
    ET.SubElement(root, f"{{{OAI}}}responseDate").text = _stamp(timezone.now())
    request = ET.SubElement(root, f"{{{OAI}}}request")
    request.text = repository.base_url
    single = {name: values[-1] for name, values in args.items()}
    try:
        repeated = [name for name, values in args.items() if len(values) > 1]
        if repeated:
            raise OaiError("badArgument", f"Repeated argument: {', '.join(repeated)}.")
        body = ET.Element("body")
        _answer(single, body, repository)
        known = single.get("verb") in VERBS
        for name, value in single.items():
            if known:
                request.set(name, value)
        root.extend(_qualified(child) for child in body)
    except OaiError as error:
        ET.SubElement(root, f"{{{OAI}}}error", {"code": error.code}).text = str(error)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _qualified(element: ET.Element) -> ET.Element:
    """Put the protocol's own (unqualified) elements in the OAI namespace; the metadata
    records keep theirs."""
    if not element.tag.startswith("{"):
        element.tag = f"{{{OAI}}}{element.tag}"
        for child in element:
            _qualified(child)
    return element
