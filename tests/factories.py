"""factory_boy factories for every model."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from lims.accounts.models import User
from lims.comments.models import Comment
from lims.core.permissions import Role, Visibility
from lims.datasets.models import Dataset, Tag
from lims.files.models import (
    CompanionFile,
    ExtractionRun,
    FolderImport,
    InstrumentFile,
    RunStatus,
    SignalPreview,
    UploadSession,
)
from lims.groups.models import ResearchGroup
from lims.instruments.models import Instrument
from lims.notes.models import Note
from lims.ops.models import FixityCursor, FixityProblem
from lims.projects.models import GroupMembership, Membership, Project
from lims.search.models import SavedSearch
from lims.sharing.models import ShareLink, ShareTarget, key_digest

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@facility.example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class FacilityManagerFactory(UserFactory):
    is_staff = True


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    description = "A facility project."
    visibility = Visibility.PRIVATE
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def creator_manages(self, create: bool, extracted: object, **kwargs: object) -> None:
        """As ``project_create`` does: whoever starts a project is its first manager."""
        if create:
            Membership.objects.get_or_create(
                project=self, user=self.created_by, defaults={"role": Role.MANAGER}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        django_get_or_create = ["project", "user"]

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"tag{n}")


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    description = "Images of the sample."
    created_by = factory.LazyAttribute(lambda d: d.project.created_by)


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    name = factory.Sequence(lambda n: f"Titan {n}")
    vendor = "Thermo Fisher"
    model = "Titan Themis"
    location = "Room B12"
    microscope_names = factory.LazyAttribute(lambda i: [i.name])


def _bytes(n: int) -> bytes:
    return f"instrument file {n}\n".encode() * 10


class InstrumentFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstrumentFile
        exclude = ["content"]

    dataset = factory.SubFactory(DatasetFactory)
    content = factory.Sequence(_bytes)
    original_name = factory.Sequence(lambda n: f"image_{n}.dm3")
    stored_file = factory.LazyAttribute(lambda f: ContentFile(f.content, name=f.original_name))
    size = factory.LazyAttribute(lambda f: len(f.content))
    sha256 = factory.LazyAttribute(lambda f: hashlib.sha256(f.content).hexdigest())
    uploaded_by = factory.LazyAttribute(lambda f: f.dataset.created_by)
    format_label = "digitalmicrograph/dm3"
    reader = "DigitalMicrograph"


class CompanionFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanionFile
        exclude = ["content"]

    parent = factory.SubFactory(InstrumentFileFactory, original_name="series.emi")
    content = factory.Sequence(_bytes)
    original_name = factory.Sequence(lambda n: f"series_{n + 1}.ser")
    stored_file = factory.LazyAttribute(lambda f: ContentFile(f.content, name=f.original_name))
    size = factory.LazyAttribute(lambda f: len(f.content))
    sha256 = factory.LazyAttribute(lambda f: hashlib.sha256(f.content).hexdigest())


class SignalPreviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalPreview

    file = factory.SubFactory(InstrumentFileFactory)
    signal_index = factory.Sequence(lambda n: n)
    title = "HAADF"
    kind = "image"


class ExtractionRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtractionRun

    file = factory.SubFactory(InstrumentFileFactory)
    extractor_name = "lims-extraction"
    extractor_version = "1.0.0"
    status = RunStatus.QUEUED


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    dataset = factory.SubFactory(DatasetFactory)
    author = factory.LazyAttribute(lambda c: c.dataset.created_by)
    body = "Nice lattice fringes."


class UploadSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UploadSession

    dataset = factory.SubFactory(DatasetFactory)
    created_by = factory.LazyAttribute(lambda u: u.dataset.created_by)
    filename = factory.Sequence(lambda n: f"big_{n}.dm4")
    size = 3 * 1024**3
    received = 1024**3


class FolderImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FolderImport

    project = factory.SubFactory(ProjectFactory)
    user = factory.LazyAttribute(lambda i: i.project.created_by)
    root = factory.Sequence(lambda n: f"/mnt/instruments/titan-{n}")
    dataset_title = "Titan imports"
    position = [[1, "2026-11"], [0, "a.dm4"]]
    imported = 12


class ResearchGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchGroup
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")

    @factory.post_generation
    def members(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.members.add(*extracted)


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership
        django_get_or_create = ["project", "group"]

    project = factory.SubFactory(ProjectFactory)
    group = factory.SubFactory(ResearchGroupFactory)
    role = Role.VIEWER


class ShareLinkFactory(factory.django.DjangoModelFactory):
    """A share link whose key nobody knows (tests that open links make them with the service,
    which hands out the key)."""

    class Meta:
        model = ShareLink

    key_digest = factory.Sequence(lambda n: key_digest(f"factory-key-{n}"))
    key_hint = "factor"
    target = ShareTarget.DATASET
    dataset = factory.SubFactory(DatasetFactory)
    label = "Reviewer 2"
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class FixityProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FixityProblem

    file = factory.SubFactory(InstrumentFileFactory)
    location = factory.LazyAttribute(lambda p: p.file.stored_file.name)
    kind = "mismatch"
    expected_sha256 = factory.LazyAttribute(lambda p: p.file.sha256)
    actual_sha256 = "0" * 64


class FixityCursorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FixityCursor
        django_get_or_create = ["name"]

    name = "files"


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    dataset = factory.SubFactory(DatasetFactory)
    key = factory.Sequence(lambda n: f"sample_{n}")
    value = "annealed at 400 °C"
    created_by = factory.LazyAttribute(lambda n: n.dataset.created_by)
    updated_by = factory.LazyAttribute(lambda n: n.created_by)


class SavedSearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedSearch

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Titan STEM {n}")
    query = "microscope:titan technique:STEM kv:200..300"
    last_looked_at = factory.LazyFunction(timezone.now)


def api_key_for(user) -> str:
    """A personal API token's key for ``user`` (made once per user object and kept on it:
    only the key's hash is stored). Made directly, as for a user deactivated after making it."""
    from lims.accounts.models import ApiToken
    from lims.accounts.tokens import SHOWN, key_digest, key_new

    key = getattr(user, "_test_api_key", None)
    if key is None:
        key = key_new()
        ApiToken.objects.create(user=user, name="tests", prefix=key[:SHOWN], digest=key_digest(key))
        user._test_api_key = key
    return key
