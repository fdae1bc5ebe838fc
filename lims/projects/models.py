"""Projects (the facility's "spaces") and their members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse

from lims.core.permissions import (
    Role,
    Visibility,
    project_edit_filter,
    project_filter,
    project_live,
    project_manage_filter,
)
from lims.core.trash import Trashable

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible_to(self, user: AnyUser | None) -> ProjectQuerySet:
        """The projects ``user`` may see (see :mod:`lims.core.permissions`)."""
        return self.filter(project_filter(user))

    def editable_by(self, user: AnyUser | None) -> ProjectQuerySet:
        """The projects ``user`` may add datasets and files to."""
        return self.filter(project_edit_filter(user))

    def live(self) -> ProjectQuerySet:
        """The projects that are not in the trash."""
        return self.filter(project_live())

    def in_trash(self) -> ProjectQuerySet:
        """The projects in the trash."""
        return self.exclude(project_live())

    def managed_by(self, user: AnyUser | None) -> ProjectQuerySet:
        """The projects ``user`` manages, in the trash or not (what they may restore)."""
        return self.filter(project_manage_filter(user))


class Project(Trashable):
    """A facility "space": a research project with members, holding datasets.

    ``visibility`` is the default for its datasets, and decides who sees the project itself.
    New projects are private. A deleted project is in the trash (``deleted_at``) with all it
    holds until it is restored or purged.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )
    groups = models.ManyToManyField(
        "groups.ResearchGroup", through="GroupMembership", related_name="projects"
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A user's role in a project: viewer, contributor or manager."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.VIEWER)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")
        ]
        ordering = ["project", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display().lower()} of {self.project}"


class GroupMembership(models.Model):
    """A research group's role in a project: each member of the group holds it there."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="group_memberships")
    group = models.ForeignKey(
        "groups.ResearchGroup", on_delete=models.CASCADE, related_name="project_memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.VIEWER)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "group"], name="one_membership_per_group")
        ]
        ordering = ["project", "group__name"]

    def __str__(self) -> str:
        return f"{self.group} is {self.get_role_display().lower()} of {self.project}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        """Invitations neither accepted nor expired."""
        from django.utils import timezone

        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation, sent by e-mail, to join a project with a role.

    Managers invite an e-mail address without learning whether it has an account: the answer
    and the e-mail are the same either way. Whoever opens the link accepts it with their own
    account (signing in first) or creates one for that address. Only the SHA-256 of the link's
    key is stored (``key_digest``); an invitation is used once and expires.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.VIEWER)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.project} as {self.get_role_display().lower()}"
