"""The admin lists every model, with its search and filters working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.datasets.models import Publication
from lims.projects.models import Invitation
from lims.search.indexing import search_index_files
from lims.search.models import SearchKey
from tests.factories import (
    CommentFactory,
    CompanionFileFactory,
    ExtractionRunFactory,
    FixityCursorFactory,
    FixityProblemFactory,
    FolderImportFactory,
    GroupMembershipFactory,
    InstrumentFactory,
    InstrumentFileFactory,
    MembershipFactory,
    NoteFactory,
    ProjectFactory,
    SavedSearchFactory,
    ShareLinkFactory,
    SignalPreviewFactory,
    TagFactory,
    UploadSessionFactory,
    UserFactory,
    api_key_for,
)

pytestmark = pytest.mark.django_db

LIMS_MODELS = [m for m in apps.get_models() if m.__module__.startswith("lims.")]


def test_every_lims_model_is_in_the_admin():
    missing = [m._meta.label for m in LIMS_MODELS if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", LIMS_MODELS, ids=lambda m: m._meta.label)
def test_changelists_render_with_search_and_filters(client, model):
    CommentFactory()
    CompanionFileFactory()
    ExtractionRunFactory()
    SignalPreviewFactory()
    InstrumentFactory()
    MembershipFactory()
    TagFactory()
    UploadSessionFactory()
    GroupMembershipFactory()
    ShareLinkFactory()
    audit_record(action=AuditAction.SIGN_IN, actor=UserFactory())
    FixityProblemFactory()
    FixityCursorFactory()
    FolderImportFactory()
    NoteFactory()
    SavedSearchFactory()
    api_key_for(UserFactory())
    indexed = InstrumentFileFactory()
    search_index_files(file_ids=[indexed.pk])
    SearchKey.objects.create(
        dataset=indexed.dataset, key="ImageTags.Microscope Info.Voltage", value_type="number"
    )
    Invitation.objects.create(
        project=ProjectFactory(),
        email="nadia@example.org",
        key_digest="0" * 64,
        expires_at=timezone.now() + timedelta(days=14),
    )
    Publication.objects.create(
        uid=indexed.dataset.uid, dataset=indexed.dataset, public=True, changed_at=timezone.now()
    )
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "a"}).status_code == 200
    obj = model.objects.first()
    change = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
    )
    assert client.get(change).status_code == 200
