"""Instrument files, their companions and previews, and the history of their extraction."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse

from lims.core.permissions import (
    dataset_live,
    file_filter,
    file_live,
    project_edit_filter,
    project_manage_filter,
)
from lims.core.trash import Trashable

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


class ExtractionStatus(models.TextChoices):
    """Where a file stands in extraction; it follows the file's latest run."""

    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNSUPPORTED = "unsupported", "Unsupported format"


class InstrumentSource(models.TextChoices):
    """How a file's instrument was found (blank: no instrument recognized)."""

    SERIAL = "serial", "its serial number"
    NAME = "name", "its microscope name"
    MANAGER = "manager", "a facility manager"


def _file_upload_to(instance: InstrumentFile, filename: str) -> str:
    return f"files/{instance.dataset.uid}/{instance.uid}/{filename}"


def _companion_upload_to(instance: CompanionFile, filename: str) -> str:
    # Beside the primary file: readers find a .emi's .ser files by name in the same folder.
    return f"files/{instance.parent.dataset.uid}/{instance.parent.uid}/{filename}"


def _preview_upload_to(instance: models.Model, filename: str) -> str:
    file_uid = instance.uid if isinstance(instance, InstrumentFile) else instance.file.uid
    return f"previews/{str(file_uid)[:2]}/{file_uid}/{filename}"


class InstrumentFileQuerySet(models.QuerySet["InstrumentFile"]):
    def visible_to(self, user: AnyUser | None) -> InstrumentFileQuerySet:
        """The files ``user`` may see: those of the datasets they may see."""
        return self.filter(file_filter(user))

    def editable_by(self, user: AnyUser | None) -> InstrumentFileQuerySet:
        """The files ``user`` may change (contributor or more in the project)."""
        return self.filter(file_live() & project_edit_filter(user, prefix="dataset__project__"))

    def live(self) -> InstrumentFileQuerySet:
        """The files that are not in the trash, nor is their dataset or project."""
        return self.filter(file_live())

    def in_trash(self) -> InstrumentFileQuerySet:
        """The files in the trash themselves, in datasets that are not."""
        return self.filter(deleted_at__isnull=False).filter(dataset_live("dataset__"))

    def managed_by(self, user: AnyUser | None) -> InstrumentFileQuerySet:
        """The files of the projects ``user`` manages (what they may restore)."""
        return self.filter(project_manage_filter(user, prefix="dataset__project__"))


class InstrumentFile(Trashable):
    """One logical instrument file in a dataset, with what extraction learned from it.

    A TIA ``.emi`` with its ``.ser`` data files, or an ``.rpl`` with its ``.raw``, is one
    InstrumentFile (the ``.emi``/``.rpl``) with :class:`CompanionFile` rows. The bytes live
    in ``stored_file``, or, for files registered in place on a facility share, at
    ``external_path``. ``metadata`` is the normalized summary (the same keys for every vendor,
    searchable), ``signals`` the per-signal records, ``original_metadata`` the vendor's full tree.
    """

    uid = models.UUIDField("identifier", default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="files")
    original_name = models.CharField(max_length=255)
    folder = models.CharField(
        max_length=500,
        blank=True,
        default="",
        help_text='Its folder inside the dataset as uploaded or imported, "/"-separated '
        '(e.g. "2D/tilt series"); empty at the top.',
    )
    stored_file = models.FileField(upload_to=_file_upload_to, max_length=500, blank=True)
    external_path = models.CharField(
        max_length=1000, blank=True, help_text="Absolute path of a file registered in place."
    )
    size = models.BigIntegerField(help_text="Bytes, companions included.")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    reader = models.CharField(max_length=100, blank=True, help_text="RosettaSciIO reader.")
    format_label = models.CharField(
        "type", max_length=100, blank=True, help_text='e.g. "digitalmicrograph/dm3".'
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="files_uploaded"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=12,
        choices=ExtractionStatus.choices,
        default=ExtractionStatus.PENDING,
        db_index=True,
    )
    status_message = models.TextField(blank=True)
    extractor_version = models.CharField(max_length=40, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    signals = models.JSONField(default=list, blank=True)
    original_metadata = models.JSONField(default=dict, blank=True)
    acquired_at = models.DateTimeField(null=True, blank=True, db_index=True)
    instrument = models.ForeignKey(
        "instruments.Instrument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="files",
    )
    instrument_source = models.CharField(
        "instrument recognized by",
        max_length=10,
        choices=InstrumentSource.choices,
        blank=True,
        help_text="How the instrument was found; one a facility manager set stays on "
        "re-extraction.",
    )
    instrument_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    instrument_set_at = models.DateTimeField(null=True, blank=True)
    preview = models.ImageField(upload_to=_preview_upload_to, max_length=500, blank=True)
    thumbnail = models.ImageField(upload_to=_preview_upload_to, max_length=500, blank=True)
    tags = models.ManyToManyField("datasets.Tag", blank=True, related_name="files")

    objects = InstrumentFileQuerySet.as_manager()

    class Meta:
        ordering = ["folder", "original_name", "id"]
        indexes = [
            models.Index(fields=["dataset", "original_name"]),
            models.Index(fields=["dataset", "folder", "original_name"]),
            models.Index(fields=["dataset", "sha256"]),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("files:detail", kwargs={"uid": self.uid})

    @property
    def path_in_dataset(self) -> str:
        """Its folder and name inside the dataset ("2D/test-1.dm3")."""
        return f"{self.folder}/{self.original_name}" if self.folder else self.original_name

    @property
    def in_place(self) -> bool:
        """Was this file registered where it lies instead of copied into storage?"""
        return bool(self.external_path)


class CompanionFile(models.Model):
    """A data file that belongs to an InstrumentFile: a TIA ``_1.ser``, an ``.rpl``'s ``.raw``."""

    parent = models.ForeignKey(InstrumentFile, on_delete=models.CASCADE, related_name="companions")
    original_name = models.CharField(max_length=255)
    stored_file = models.FileField(upload_to=_companion_upload_to, max_length=500, blank=True)
    external_path = models.CharField(max_length=1000, blank=True)
    size = models.BigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["original_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "original_name"], name="unique_companion_name"
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class SignalPreview(models.Model):
    """The rendered preview and thumbnail of one signal of a file (a Velox file has ten), and
    for a one-dimensional signal the spectrum the browser plots (JSON, computed at extraction
    time so that no page ever reads the original file)."""

    file = models.ForeignKey(InstrumentFile, on_delete=models.CASCADE, related_name="previews")
    signal_index = models.PositiveIntegerField()
    title = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=40, blank=True)
    image = models.ImageField(upload_to=_preview_upload_to, max_length=500, blank=True)
    thumbnail = models.ImageField(upload_to=_preview_upload_to, max_length=500, blank=True)
    spectrum = models.FileField(upload_to=_preview_upload_to, max_length=500, blank=True)
    frames = models.JSONField(
        default=list,
        blank=True,
        help_text='An image stack\'s frames as stored PNGs: [{"index": i, "image": name}…] '
        "(at most 64, evenly spread).",
    )
    frame_total = models.PositiveIntegerField(default=0, help_text="Frames in the stack.")
    cube = models.FileField(
        upload_to=_preview_upload_to,
        max_length=500,
        blank=True,
        help_text="A spectrum image reduced for the browser (.npz: at most 32 x 32 positions "
        "of 1024 channels), so that a click shows a position's spectrum.",
    )

    class Meta:
        ordering = ["file", "signal_index"]
        constraints = [
            models.UniqueConstraint(fields=["file", "signal_index"], name="one_preview_per_signal")
        ]

    def __str__(self) -> str:
        return f"{self.file} [{self.signal_index}] {self.title}"


class RunStatus(models.TextChoices):
    """The state of one extraction attempt."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNSUPPORTED = "unsupported", "Unsupported format"
    SUPERSEDED = "superseded", "Superseded"


class ExtractionRun(models.Model):
    """One attempt to extract a file's metadata and previews: the file's "extraction events"."""

    file = models.ForeignKey(InstrumentFile, on_delete=models.CASCADE, related_name="runs")
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    extractor_name = models.CharField(max_length=100, blank=True)
    extractor_version = models.CharField(max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    #: seconds the extraction itself took in the extraction child; the rest of the run's
    #: duration is the pipeline's overhead (locking, copying, storing the results)
    extraction_s = models.FloatField(null=True, blank=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task was last handed to the job queue."
    )
    # The lease of the attempt under way (see lims.files.runs.lease): the worker renews it
    # while it works; once expired, the worker is taken for dead and the run is sent again.
    worker = models.CharField(
        max_length=200, blank=True, help_text="The worker process of the latest attempt."
    )
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        get_latest_by = "queued_at"

    def __str__(self) -> str:
        return f"{self.file} run {self.pk} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to finish, when both are known."""
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class UploadStatus(models.TextChoices):
    """Where a chunked upload stands."""

    RECEIVING = "receiving", "Receiving"
    COMPLETE = "complete", "Complete"
    ABORTED = "aborted", "Aborted"


class UploadSession(models.Model):
    """A resumable, chunked upload of one file into a dataset.

    The client announces the name and size (and, optionally, the SHA-256), sends the bytes in
    chunks at increasing offsets, asks for ``received`` to resume after an interruption, and
    completes the session, which verifies the size and checksum and ingests the file. The bytes
    collect in a partial file next to storage (see :mod:`lims.files.uploads`).
    """

    uid = models.UUIDField("identifier", default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="upload_sessions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_sessions"
    )
    filename = models.CharField(max_length=255)
    folder = models.CharField(
        max_length=500,
        blank=True,
        default="",
        help_text="The folder inside the dataset the file goes to (a folder picked or dropped "
        "in the browser keeps its own).",
    )
    size = models.BigIntegerField(help_text="Announced size in bytes.")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, help_text="Announced.")
    received = models.BigIntegerField(default=0, help_text="Bytes received so far.")
    status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.RECEIVING
    )
    file = models.ForeignKey(
        InstrumentFile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The file this upload became.",
    )
    duplicate = models.BooleanField(default=False)
    store_upload = models.JSONField(
        default=dict,
        blank=True,
        help_text="The object store's multipart upload, when chunks assemble there.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.received}/{self.size})"


class FolderImport(models.Model):
    """A folder tree imported by ``manage.py import_folder``: where it stands, so that an
    interrupted import resumes after the last batch that committed."""

    root = models.CharField(max_length=1000, help_text="The folder, as an absolute path.")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="folder_imports"
    )
    dataset_title = models.CharField(max_length=255, blank=True)
    per_folder = models.BooleanField(default=False)
    in_place = models.BooleanField(default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the walk's key of the last group that committed (JSON list; empty: nothing yet)
    position = models.JSONField(default=list, blank=True)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.root} → {self.project_id} ({self.imported} imported)"
