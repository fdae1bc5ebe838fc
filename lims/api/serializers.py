"""API representations; read-only apart from the requests that call services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from extraction import FILE_FIELDS
from lims.accounts.models import ApiToken, User
from lims.comments.models import Comment
from lims.core.permissions import Role, Visibility
from lims.datasets.models import Dataset
from lims.fair.describe import citation, dataset_facts, export_url
from lims.files.models import (
    CompanionFile,
    ExtractionRun,
    InstrumentFile,
    RunStatus,
    SignalPreview,
    UploadSession,
    UploadStatus,
)
from lims.files.uploads.services import resume_offset
from lims.instruments.models import Instrument
from lims.notes.models import Note
from lims.projects.models import GroupMembership, Invitation, Membership, Project


def _inline_status(choices: type[models.TextChoices]) -> serializers.CharField:
    """A read-only status, its values listed in words (the name "status" is shared, and
    drf-spectacular would give colliding names to several enums of that name)."""

    values = ", ".join(f"`{value}`" for value in choices.values)

    @extend_schema_field({"type": "string", "description": f"One of {values}."})
    class StatusField(serializers.CharField):
        pass

    return StatusField(read_only=True)


def _openapi_30(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema field's JSON Schema (3.1 style: ``type: [x, "null"]``) as OpenAPI 3.0 reads it
    (``nullable``), which the generated schema is."""
    out = dict(schema)
    alternatives = out.get("anyOf")
    if alternatives and {"type": "null"} in alternatives:
        rest = [a for a in alternatives if a != {"type": "null"}]
        out.pop("anyOf")
        out = {**(rest[0] if len(rest) == 1 else {"anyOf": rest}), **out, "nullable": True}
    if out.get("format") == "date-time":
        # Acquisition times are the instrument's local time when its zone is unknown
        # (acquired_at_timezone_known says which): ISO 8601, with or without an offset.
        out.pop("format")
        out["description"] = (out.get("description", "") + " (ISO 8601)").strip()
    kinds = out.get("type")
    if isinstance(kinds, list):
        out["type"] = next(k for k in kinds if k != "null")
        out["nullable"] = "null" in kinds
    if "enum" in out and None in out["enum"]:
        out["enum"] = [value for value in out["enum"] if value is not None]
        out["nullable"] = True
    return out


#: The normalized metadata's shape in the API schema, from the one definition of its fields.
METADATA_SCHEMA = {
    "type": "object",
    "description": "The normalized summary: the same keys for every vendor, values in SI "
    "units (each property says its unit in `x-unit`).",
    "properties": {spec.key: _openapi_30(spec.json_schema()) for spec in FILE_FIELDS},
}


@extend_schema_field(METADATA_SCHEMA)
class NormalizedMetadataField(serializers.JSONField):
    """``InstrumentFile.metadata``, documented field by field from ``extraction.schema``."""


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class ProjectSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Project
        fields = ["slug", "name", "description", "visibility", "created_by", "created_at"]


class MemberSerializer(serializers.ModelSerializer):
    """A person's role in a project."""

    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "name", "role", "added_at"]


class GroupMemberSerializer(serializers.ModelSerializer):
    """A research group's role in a project (each of its members holds it)."""

    group = serializers.CharField(source="group.slug", read_only=True)
    name = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = GroupMembership
        fields = ["group", "name", "role", "added_at"]


class ProjectDetailSerializer(ProjectSerializer):
    members = MemberSerializer(source="memberships", many=True, read_only=True)
    groups = GroupMemberSerializer(source="group_memberships", many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "members", "groups"]


class ProjectWriteSerializer(serializers.Serializer):
    """What a client sends to start a project, or to change one (``slug`` stays)."""

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=100, required=False, help_text="Made from the name when omitted."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    """A pending invitation to a project (its key is only in the e-mail)."""

    invited_by = serializers.CharField(source="invited_by.username", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "invited_by", "created_at", "expires_at"]


class InvitationWriteSerializer(serializers.Serializer):
    """Whom to invite, and as what. Whether the address has an account changes nothing."""

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class DatasetSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    effective_visibility = serializers.CharField(read_only=True)

    class Meta:
        model = Dataset
        fields = [
            "uid",
            "project",
            "title",
            "description",
            "visibility",
            "effective_visibility",
            "tags",
            "license",
            "doi",
            "created_by",
            "created_at",
            "modified_at",
        ]


class ExportFactsSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Where the RO-Crate zip is downloaded.")
    files = serializers.IntegerField(help_text="How many files it holds (companions aside).")
    bytes = serializers.IntegerField(help_text="Their size in bytes (the zip is a little more).")


class DatasetDetailSerializer(DatasetSerializer):
    """A dataset with its citation and what its export holds."""

    citation = serializers.SerializerMethodField(help_text="How to cite it.")
    export = serializers.SerializerMethodField()

    class Meta(DatasetSerializer.Meta):
        fields = [*DatasetSerializer.Meta.fields, "citation", "export"]

    def get_citation(self, obj: Dataset) -> str:
        return citation(obj, self._absolute)

    @extend_schema_field(ExportFactsSerializer)
    def get_export(self, obj: Dataset) -> dict[str, Any]:
        facts = dataset_facts(obj)
        return {
            "url": export_url(obj, self._absolute),
            "files": facts.n_files,
            "bytes": facts.n_bytes,
        }

    def _absolute(self, path: str) -> str:
        return _absolute(self.context, path)


class DatasetWriteSerializer(serializers.Serializer):
    """What a client sends to create a dataset (``project``) or change one (the rest)."""

    project = serializers.SlugField(help_text="The project's slug (when creating).")
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(
        choices=[("", "As the project"), *Visibility.choices], required=False, default=""
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    license = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="An SPDX identifier, e.g. CC-BY-4.0.",
    )
    doi = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="e.g. 10.5281/zenodo.1234"
    )


class CompanionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CompanionFile
        fields = ["id", "original_name", "size", "sha256", "download_url"]

    def get_download_url(self, obj: CompanionFile) -> str:
        path = reverse(
            "files:companion-download", kwargs={"uid": obj.parent.uid, "companion_id": obj.pk}
        )
        return _absolute(self.context, path)


class SignalPreviewSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = SignalPreview
        fields = ["signal_index", "title", "kind", "image_url", "thumbnail_url"]

    def _url(self, obj: SignalPreview, variant: str) -> str:
        kwargs = {"uid": obj.file.uid, "index": obj.signal_index, "variant": variant}
        return _absolute(self.context, reverse("files:signal-preview", kwargs=kwargs))

    def get_image_url(self, obj: SignalPreview) -> str | None:
        return self._url(obj, "preview") if obj.image else None

    def get_thumbnail_url(self, obj: SignalPreview) -> str | None:
        return self._url(obj, "thumbnail") if obj.thumbnail else None


class InstrumentFileSerializer(serializers.ModelSerializer):
    """A file as listed: what it is, where it stands, where to get it."""

    dataset = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    instrument = serializers.CharField(
        source="instrument.name", read_only=True, default=None, allow_null=True
    )
    in_place = serializers.BooleanField(read_only=True)
    companions = CompanionSerializer(many=True, read_only=True)
    metadata = NormalizedMetadataField(read_only=True)
    download_url = serializers.SerializerMethodField()
    zip_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = InstrumentFile
        fields = [
            "uid",
            "dataset",
            "original_name",
            "size",
            "sha256",
            "status",
            "status_message",
            "format_label",
            "reader",
            "extractor_version",
            "acquired_at",
            "instrument",
            "uploaded_by",
            "uploaded_at",
            "in_place",
            "companions",
            "metadata",
            "download_url",
            "zip_url",
            "preview_url",
            "thumbnail_url",
        ]

    def get_download_url(self, obj: InstrumentFile) -> str:
        return _absolute(self.context, reverse("files:download", kwargs={"uid": obj.uid}))

    def get_zip_url(self, obj: InstrumentFile) -> str:
        return self.get_download_url(obj) + "?zip=1"

    def get_preview_url(self, obj: InstrumentFile) -> str | None:
        if not obj.preview:
            return None
        return _absolute(self.context, reverse("files:preview", kwargs={"uid": obj.uid}))

    def get_thumbnail_url(self, obj: InstrumentFile) -> str | None:
        if not obj.thumbnail:
            return None
        return _absolute(self.context, reverse("files:thumbnail", kwargs={"uid": obj.uid}))


class InstrumentFileDetailSerializer(InstrumentFileSerializer):
    """A file with its per-signal records and previews."""

    previews = SignalPreviewSerializer(many=True, read_only=True)

    class Meta(InstrumentFileSerializer.Meta):
        fields = [*InstrumentFileSerializer.Meta.fields, "signals", "previews"]


class IngestedFileSerializer(InstrumentFileDetailSerializer):
    """The answer to an upload: the file, and whether the bytes were already there."""

    duplicate = serializers.BooleanField(
        read_only=True, help_text="The same bytes were already in the dataset: nothing stored."
    )
    companion = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Set when the upload became a companion (a .ser) of this file.",
    )
    repaired = serializers.BooleanField(
        read_only=True,
        help_text="The dataset had these bytes but had lost their stored copy: the upload "
        "replaced it (and the file is extracted again).",
    )

    class Meta(InstrumentFileDetailSerializer.Meta):
        fields = [*InstrumentFileDetailSerializer.Meta.fields, "duplicate", "companion", "repaired"]


class OriginalMetadataSerializer(serializers.Serializer):
    signals = serializers.ListField(
        child=serializers.JSONField(), help_text="The vendor's metadata tree of each signal."
    )


class FileUploadSerializer(serializers.Serializer):
    """A one-shot upload (multipart/form-data)."""

    dataset = serializers.UUIDField(help_text="The uid of the dataset to upload into.")
    file = serializers.FileField(
        allow_empty_file=True,  # an instrument's empty file is kept, and reported as failed
        help_text="The file's bytes; streamed to disk, never in memory.",
    )
    sha256 = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The file's SHA-256 (hex), if known: bytes that differ are refused, not kept.",
    )


class ExtractionRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, default=None, allow_null=True
    )
    duration_s = serializers.FloatField(read_only=True, allow_null=True)
    status = _inline_status(RunStatus)

    class Meta:
        model = ExtractionRun
        fields = [
            "id",
            "task_id",
            "status",
            "message",
            "extractor_name",
            "extractor_version",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_s",
            "attempts",
        ]


class ReextractResultSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="How many files were queued.")


class UploadSessionSerializer(serializers.ModelSerializer):
    """A chunked upload: ``offset`` is where the next chunk starts."""

    dataset = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    offset = serializers.SerializerMethodField(
        help_text="Where the next chunk starts: the bytes the server holds."
    )
    file = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    status = _inline_status(UploadStatus)
    chunk_size = serializers.SerializerMethodField(
        help_text="The chunk size this server asks for, in bytes (any size is accepted)."
    )

    class Meta:
        model = UploadSession
        fields = [
            "uid",
            "url",
            "dataset",
            "filename",
            "size",
            "sha256",
            "offset",
            "chunk_size",
            "status",
            "file",
            "duplicate",
            "created_at",
            "updated_at",
        ]

    def get_url(self, obj: UploadSession) -> str:
        return _absolute(self.context, reverse("api:upload-detail", kwargs={"uid": obj.uid}))

    def get_offset(self, obj: UploadSession) -> int:
        return resume_offset(obj)

    def get_chunk_size(self, obj: UploadSession) -> int:
        return max(1, int(settings.LIMS_UPLOAD_CHUNK_BYTES))


class UploadSessionCreateSerializer(serializers.Serializer):
    dataset = serializers.UUIDField(help_text="The uid of the dataset to upload into.")
    filename = serializers.CharField(max_length=1000)
    size = serializers.IntegerField(min_value=0, help_text="The whole file's size in bytes.")
    sha256 = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Optional: the file's SHA-256, checked on completion.",
    )
    folder = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text='Optional: the folder inside the dataset, "/"-separated ("2D/tilt series").',
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    offset = serializers.IntegerField(required=False, help_text="Where to resume a chunked upload.")


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user."""

    is_facility_manager = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "affiliation",
            "orcid",
            "is_facility_manager",
        ]


class ApiTokenSerializer(serializers.ModelSerializer):
    """A personal token as listed: never its key (only its first characters, ``prefix``)."""

    user = serializers.CharField(source="user.username", read_only=True)
    expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "user",
            "created_at",
            "expires_at",
            "last_used_at",
            "expired",
        ]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """A token just made, with its key: the only time the key is shown."""

    key = serializers.CharField(read_only=True, help_text="Keep it: it is not shown again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What will use it, e.g. “Titan PC”.")
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Omit for no expiry."
    )


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    dataset = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    file = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "dataset", "file", "author", "body", "created_at", "edited_at"]


class CommentBodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000, help_text="Plain text or safe Markdown.")


class CommentWriteSerializer(CommentBodySerializer):
    dataset = serializers.UUIDField(required=False, help_text="The dataset commented on, or…")
    file = serializers.UUIDField(required=False, help_text="…the file commented on.")


class ExtractionRunListSerializer(ExtractionRunSerializer):
    """A run with the file it read."""

    file = serializers.SlugRelatedField(slug_field="uid", read_only=True)

    class Meta(ExtractionRunSerializer.Meta):
        fields = [*ExtractionRunSerializer.Meta.fields, "file"]


class InstrumentSerializer(serializers.ModelSerializer):
    n_files = serializers.IntegerField(read_only=True, help_text="Files of it you may see.")

    class Meta:
        model = Instrument
        fields = [
            "id",
            "name",
            "vendor",
            "model",
            "serial_number",
            "location",
            "description",
            "microscope_names",
            "active",
            "n_files",
        ]


class NoteSerializer(serializers.ModelSerializer):
    """User metadata: one key-value pair on a dataset or a file."""

    dataset = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    file = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Note
        fields = [
            "id",
            "dataset",
            "file",
            "key",
            "value",
            "number",
            "unit",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]


class NoteValueSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100, help_text="e.g. “sample ID”.")
    value = serializers.CharField(max_length=1000, help_text="e.g. “GR-17” or “450”.")
    unit = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="e.g. “°C” (pint's units)."
    )


class NoteWriteSerializer(NoteValueSerializer):
    dataset = serializers.UUIDField(required=False, help_text="The dataset it is about, or…")
    file = serializers.UUIDField(required=False, help_text="…the file it is about.")
