"""The world the access matrix probes: the personas' private project with a dataset, a file
with its previews, companion and comment, things in the trash, an upload under way, and a
secret project nobody but its owner and the facility managers may know exists.

Every secret's name, title and uid is a *marker*: the matrix asserts that no answer to a
persona who may not see it contains one (in lists, counts, facets, exports, preview URLs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from lims.notes.models import Note
from lims.projects.invitations import invitation_digest
from lims.projects.models import Invitation
from lims.search.models import SavedSearch
from lims.sharing.models import key_digest
from tests.factories import (
    CommentFactory,
    CompanionFileFactory,
    DatasetFactory,
    InstrumentFactory,
    MembershipFactory,
    ProjectFactory,
    UploadSessionFactory,
    UserFactory,
    api_key_for,
)
from tests.web.conftest import PNG, SPECTRUM, done_file

#: The order of the statuses in every route of the matrix.
PERSONAS = (
    "anonymous",
    "outsider",
    "viewer",
    "contributor",
    "manager",
    "facility_manager",
    "group_member",
    "deactivated",
    "share_holder",
)
#: The key of a pending invitation of paula@example.org to the private project.
INVITATION_KEY = "matrix-invitation-key-0123456789"
#: The key of the share link the share holder opened.
SHARE_KEY = "matrix-share-key-0123456789abcdef"


@dataclass
class World:
    """What the routes of the matrix point at (see the module's docstring)."""

    personas: Any
    file: Any
    companion: Any
    comment: Any
    sibling: Any
    sibling_file: Any
    trashed_project: Any
    trashed_dataset: Any
    trashed_file: Any
    upload: Any
    token: Any
    saved_search: Any
    note: Any
    run: Any
    instrument: Any
    person: Any
    invitation: Any
    secret_project: Any
    secret_dataset: Any
    secret_file: Any
    markers: dict[str, set[str]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # the personas' own fields: project, dataset…
        return getattr(self.__dict__["personas"], name)

    def hidden_from(self, persona: str) -> set[str]:
        """The markers ``persona`` must never be shown."""
        return {marker for marker, who in self.markers.items() if persona in who}


def build_world(personas: Any) -> World:
    """Make the objects every route of the matrix needs, around the personas' project."""
    project, dataset = personas.project, personas.dataset
    project.name, dataset.title = "Private-project-name-7a1", "Private-dataset-title-7a1"
    project.save(update_fields=["name"])
    dataset.save(update_fields=["title"])
    instrument = InstrumentFactory(name="Matrix ARM200F")
    instrument_file = done_file(
        dataset, original_name="private-file-name-7a1.dm3", spectrum=SPECTRUM, instrument=instrument
    )
    signal = instrument_file.previews.get()
    signal.image.save("signal.png", ContentFile(PNG), save=False)
    signal.thumbnail.save("signal-thumb.png", ContentFile(PNG), save=True)
    companion = CompanionFileFactory(parent=instrument_file, original_name="lattice.txt")
    comment = CommentFactory(dataset=dataset, author=personas.viewer, body="Looks fine.")
    sibling = DatasetFactory(
        project=project, created_by=personas.manager, title="Sibling-dataset-title-7a1"
    )
    sibling_file = done_file(sibling, original_name="sibling-file-name-7a1.dm3")
    now = timezone.now()
    trashed_project = ProjectFactory(created_by=personas.manager, slug="trashed-project")
    MembershipFactory(project=trashed_project, user=personas.manager, role="manager")
    trashed_project.trash_mark(personas.manager)
    trashed_dataset = DatasetFactory(
        project=project, created_by=personas.contributor, title="Trashed-dataset-title-7a1"
    )
    trashed_dataset.trash_mark(personas.manager)
    trashed_file = done_file(dataset, original_name="trashed-file-name-7a1.dm3")
    trashed_file.trash_mark(personas.manager)
    upload = UploadSessionFactory(
        dataset=dataset, created_by=personas.contributor, size=2048, received=0
    )
    saved_search = SavedSearch.objects.create(
        owner=personas.viewer, name="Mine", query="7a1", last_looked_at=timezone.now()
    )
    person = UserFactory(username="paula", email="paula@example.org")
    invitation = Invitation.objects.create(
        project=project,
        email="paula@example.org",
        role="viewer",
        key_digest=invitation_digest(INVITATION_KEY),
        invited_by=personas.manager,
        expires_at=now + dt.timedelta(days=3),
    )
    api_key_for(personas.contributor)
    token = personas.contributor.api_tokens.get()
    owner = UserFactory(username="sam")
    secret_project = ProjectFactory(
        created_by=owner, slug="secret-project-7a1", name="Secret-project-name-7a1"
    )
    MembershipFactory(project=secret_project, user=owner, role="manager")
    secret_dataset = DatasetFactory(
        project=secret_project, created_by=owner, title="Secret-dataset-title-7a1"
    )
    secret_file = done_file(secret_dataset, original_name="secret-file-name-7a1.dm3")
    personas.share_link.__class__.objects.filter(pk=personas.share_link.pk).update(
        key_digest=key_digest(SHARE_KEY), expires_at=now + dt.timedelta(days=3)
    )
    everyone_but_facility = set(PERSONAS) - {"facility_manager"}
    outside = {"anonymous", "outsider", "deactivated", "share_holder"}
    markers = {
        # Nobody but the facility managers knows the secret project.
        secret_project.name: everyone_but_facility,
        secret_project.slug: everyone_but_facility,
        secret_dataset.title: everyone_but_facility,
        str(secret_dataset.uid): everyone_but_facility,
        secret_file.original_name: everyone_but_facility,
        str(secret_file.uid): everyone_but_facility,
        # The private project: its members (the share link admits to the dataset and file).
        project.name: outside,
        dataset.title: outside - {"share_holder"},
        str(dataset.uid): outside - {"share_holder"},
        instrument_file.original_name: outside - {"share_holder"},
        str(instrument_file.uid): outside - {"share_holder"},
        # The private project's other dataset: members only (a share link admits to one).
        sibling.title: outside,
        str(sibling.uid): outside,
        sibling_file.original_name: outside,
        str(sibling_file.uid): outside,
        # The trash: only on the trash pages, to the managers.
        trashed_dataset.title: set(PERSONAS) - {"manager", "facility_manager"},
        trashed_file.original_name: set(PERSONAS) - {"manager", "facility_manager"},
        # The comment: never to share-link holders nor outsiders.
        comment.body: outside,
    }
    return World(
        personas=personas,
        file=instrument_file,
        companion=companion,
        comment=comment,
        sibling=sibling,
        sibling_file=sibling_file,
        trashed_project=trashed_project,
        trashed_dataset=trashed_dataset,
        trashed_file=trashed_file,
        upload=upload,
        token=token,
        saved_search=saved_search,
        note=Note.objects.create(
            dataset=dataset, key="sample ID", value="GR-17", created_by=personas.contributor
        ),
        run=instrument_file.runs.get(),
        instrument=instrument,
        person=person,
        invitation=invitation,
        secret_project=secret_project,
        secret_dataset=secret_dataset,
        secret_file=secret_file,
        markers=markers,
    )
