"""The facility's user accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

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
