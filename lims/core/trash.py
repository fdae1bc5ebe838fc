"""What a row needs to go to the trash and come back: see ``lims.core.permissions`` for who
sees it there (nobody) and ``lims.files.trash`` for purging it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from lims.core.permissions import acting_user


class Trashable(models.Model):
    """A project, dataset or file that deletion moves to the trash (``deleted_at``) instead of
    deleting it, until it is restored or purged."""

    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    def trash_mark(self, user: Any) -> bool:
        """Put this row in the trash as deleted by ``user``; False when it was there already."""
        if self.deleted_at is not None:
            return False
        self.deleted_at = timezone.now()
        self.deleted_by = acting_user(user)
        self.save(update_fields=["deleted_at", "deleted_by"])
        return True

    def trash_unmark(self) -> bool:
        """Take this row out of the trash; False when it was not in it."""
        if self.deleted_at is None:
            return False
        self.deleted_at = None
        self.deleted_by = None
        self.save(update_fields=["deleted_at", "deleted_by"])
        return True
