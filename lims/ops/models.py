"""What the operations side remembers: where the rolling fixity check stands, and the stored
files whose bytes were found changed or missing."""

from __future__ import annotations

from django.db import models


class FixityCursor(models.Model):
    """Where the rolling fixity check stands: one row per sweep (there is one, ``files``).

    A sweep walks the instrument files in id order; ``position`` is the last file verified,
    so an interrupted check (a time budget, a restart) goes on from there.
    """

    name = models.CharField(max_length=40, unique=True, default="files")
    position = models.BigIntegerField(default=0, help_text="The last file id verified.")
    pass_started_at = models.DateTimeField(null=True, blank=True)
    last_pass_finished_at = models.DateTimeField(null=True, blank=True)
    files_checked = models.BigIntegerField(default=0, help_text="In the current pass.")
    bytes_checked = models.BigIntegerField(default=0, help_text="In the current pass.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"fixity {self.name} at file {self.position}"


class FixityProblemKind(models.TextChoices):
    """What a fixity check found wrong with stored bytes."""

    MISMATCH = "mismatch", "Changed (SHA-256 differs)"
    MISSING = "missing", "Missing"


class FixityProblem(models.Model):
    """Stored bytes that are no longer what was recorded when they came in.

    Open until a later check finds the bytes right again (``resolved_at``); facility managers
    are told by e-mail when one is found and see the open ones on the facility pages.
    """

    file = models.ForeignKey(
        "files.InstrumentFile", on_delete=models.CASCADE, related_name="fixity_problems"
    )
    companion = models.ForeignKey(
        "files.CompanionFile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fixity_problems",
    )
    location = models.CharField(max_length=1000, help_text="Storage name or in-place path.")
    kind = models.CharField(max_length=10, choices=FixityProblemKind.choices)
    expected_sha256 = models.CharField(max_length=64)
    actual_sha256 = models.CharField(max_length=64, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["resolved_at"])]

    def __str__(self) -> str:
        return f"{self.location}: {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
