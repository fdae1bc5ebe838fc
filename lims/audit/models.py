"""The audit log's one table: events, written once and never changed.

The application cannot change or delete a row: the database refuses it (a trigger, installed
by the first migration, on PostgreSQL and on the embedded SQLite). Rows hold no foreign-key
constraint that the database could act on either: a project, dataset or person that goes
away leaves its events as they were, with their names as they were then.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    """What an audit event records."""

    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    MEMBERSHIP_SET = "membership_set", "Member role set"
    MEMBERSHIP_REMOVED = "membership_removed", "Member removed"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    INVITATION_REVOKED = "invitation_revoked", "Invitation withdrawn"
    GROUP_ROLE_SET = "group_role_set", "Group role set"
    GROUP_ROLE_REMOVED = "group_role_removed", "Group removed from project"
    GROUP_CREATED = "group_created", "Group created"
    GROUP_CHANGED = "group_changed", "Group changed"
    GROUP_DELETED = "group_deleted", "Group deleted"
    GROUP_MEMBER_ADDED = "group_member_added", "Added to group"
    GROUP_MEMBER_REMOVED = "group_member_removed", "Removed from group"
    VISIBILITY_CHANGED = "visibility_changed", "Visibility changed"
    UPLOAD = "upload", "Upload"
    DOWNLOAD = "download", "Download"
    TRASHED = "trashed", "Moved to the trash"
    RESTORED = "restored", "Restored from the trash"
    PURGED = "purged", "Purged from the trash"
    REEXTRACT = "reextract", "Re-extraction"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    SHARE_CREATED = "share_created", "Share link created"
    SHARE_REVOKED = "share_revoked", "Share link revoked"
    SHARE_OPENED = "share_opened", "Share link opened"
    USER_CREATED = "user_created", "Account created"
    USER_DEACTIVATED = "user_deactivated", "Account deactivated"
    USER_REACTIVATED = "user_reactivated", "Account reactivated"
    OWNERSHIP_TRANSFERRED = "ownership_transferred", "Ownership transferred"
    DOI_REGISTERED = "doi_registered", "DOI registered"


class AppendOnly(Exception):
    """Raised by the model before the database would refuse: audit events never change."""


class AuditEvent(models.Model):
    """One thing that happened: when, who (as they were named then), what, to what, where.

    ``project_id`` is the project the event concerns (its managers see the event); ``target_*``
    name the object (its kind, its public identifier and its name at the time); ``detail``
    holds what else matters (the old and new visibility, the role given, the user name a
    failed sign-in tried…).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project_id", "-at"], name="audit_project_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("Audit events are written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit events are never deleted.")
