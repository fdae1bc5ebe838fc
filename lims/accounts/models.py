"""The facility's user accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from lims.core.permissions import is_facility_manager


class User(AbstractUser):
    """A person who uses the facility: a researcher, a student, or staff.

    Staff users (``is_staff``) are the facility managers: they manage every project, the
    instruments, and re-extraction. Everybody else gets access through project memberships.
    """

    affiliation = models.CharField(max_length=200, blank=True, help_text="Group or department.")
    orcid = models.CharField("ORCID iD", max_length=19, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]

    @property
    def is_facility_manager(self) -> bool:
        return is_facility_manager(self)

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Tokens that still open the API: not expired, their user active."""
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()),
            user__is_active=True,
        )


class ApiToken(models.Model):
    """A personal API token: one per script or instrument PC, named by its owner.

    Only the SHA-256 of the key is stored (keys are 240 random bits, so a plain hash is as
    good as a slow one and lets a request be authenticated with one indexed lookup); the key
    itself is shown once, when the token is made. ``prefix`` (its first characters) tells
    tokens apart in lists.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Titan PC”.")
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
