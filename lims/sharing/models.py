"""Share links: a secret URL that shows one dataset, read-only, until it expires or is revoked."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def key_digest(key: str) -> str:
    """What is stored of a link's key: its SHA-256 (the key itself is shown once)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ShareTarget(models.TextChoices):
    """What a share link shows.

    Only datasets for now. A saved search result will be one more choice, with the search's
    parameters in a field of its own and a branch in ``share_grant_for`` that resolves them to
    the files they found (``ShareGrant.file_ids``); the pages and the seam need nothing else.
    """

    DATASET = "dataset", "Dataset"


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def active(self, now: dt.datetime | None = None) -> ShareLinkQuerySet:
        """The links that work now: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(models.Model):
    """A time-limited, revocable, read-only link to a dataset for reviewers and collaborators
    without an account.

    Only the SHA-256 of the link's key is stored (``key_digest``): the URL is shown once, when
    the link is made; ``key_hint`` (its first characters) tells links apart in the lists.
    Whoever opens the URL sees the dataset page, its files' pages, previews and downloads, and
    nothing else, until ``expires_at`` or until a manager revokes it.
    """

    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(max_length=8, editable=False)
    target = models.CharField(max_length=20, choices=ShareTarget.choices)
    dataset = models.ForeignKey(
        "datasets.Dataset",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    label = models.CharField(
        max_length=200, blank=True, help_text="Who it is for, e.g. “Reviewer 2, Nat. Mater.”"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="dataset") | Q(dataset__isnull=False),
                name="share_link_dataset_has_dataset",
            )
        ]

    def __str__(self) -> str:
        name = self.label or f"link {self.key_hint}…"
        return f"{name} to {self.dataset}" if self.dataset_id else name

    @property
    def is_active(self) -> bool:
        """Does the link work now?"""
        return self.revoked_at is None and self.expires_at > timezone.now()
