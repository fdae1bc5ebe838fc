"""Writes to projects, their members (people and research groups), and the trash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import (
    Action,
    Role,
    Visibility,
    forget_roles,
    require,
)
from lims.core.slugs import unique_slug
from lims.groups.models import ResearchGroup
from lims.projects.models import GroupMembership, Membership, Project

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

MANAGERS_ONLY = "Only the project's managers may change it."


@transaction.atomic
def project_create(
    *,
    name: str,
    created_by: User,
    description: str = "",
    visibility: str = Visibility.PRIVATE,
    slug: str | None = None,
) -> Project:
    """Create a project; its creator (any active, signed-in user) becomes its first manager."""
    if not (created_by.is_authenticated and created_by.is_active):
        raise PermissionDenied("Sign in to start a project.")
    project = Project.objects.create(
        name=name,
        slug=slug or unique_slug(Project.objects.all(), name, fallback="project"),
        description=description,
        visibility=Visibility(visibility),
        created_by=created_by,
    )
    Membership.objects.create(project=project, user=created_by, role=Role.MANAGER)
    forget_roles(created_by)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    user: AnyUser,
    name: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> Project:
    """Change the given fields of a project; ``None`` leaves a field as it is.

    The slug stays: it is in every link people have saved. Managers only.
    """
    require(user, Action.MANAGE, project, MANAGERS_ONLY)
    was = project.visibility
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description
    if visibility is not None:
        project.visibility = Visibility(visibility)
    project.full_clean(exclude=["created_by", "slug", "deleted_by"])
    project.save()
    if project.visibility != was:
        audit_record(
            action=AuditAction.VISIBILITY_CHANGED,
            actor=user,
            target=project,
            detail={"from": was, "to": project.visibility},
        )
    return project


def _is_last_manager(project: Project, member: User) -> bool:
    """Would the project be left without an active manager of its own without ``member``?
    (Deactivated managers do not count; nor do groups, whose members come and go.)"""
    others = project.memberships.filter(role=Role.MANAGER, user__is_active=True)
    return not others.exclude(user=member).exists()


@transaction.atomic
def membership_set(*, project: Project, member: User, role: str, user: AnyUser) -> Membership:
    """Give ``member`` the ``role`` in ``project``, adding or changing their membership.

    ``user`` (who asks) must manage the project. The last manager cannot step down: appoint
    another manager first.
    """
    require(user, Action.MANAGE, project, MANAGERS_ONLY)
    current = Membership.objects.select_for_update().filter(project=project, user=member).first()
    if (
        current is not None
        and current.role == Role.MANAGER
        and role != Role.MANAGER
        and _is_last_manager(project, member)
    ):
        raise ValueError("A project needs at least one manager; appoint another one first.")
    membership, _ = Membership.objects.update_or_create(
        project=project, user=member, defaults={"role": Role(role)}
    )
    forget_roles(member)
    if current is None or current.role != membership.role:
        audit_record(
            action=AuditAction.MEMBERSHIP_SET,
            actor=user,
            target=project,
            detail={
                "member": member.get_username(),
                "role": membership.role,
                "was": current.role if current else None,
            },
        )
    return membership


@transaction.atomic
def membership_remove(*, project: Project, member: User, user: AnyUser) -> None:
    """Take ``member`` out of ``project`` (``user`` must manage it); the last manager stays."""
    require(user, Action.MANAGE, project, MANAGERS_ONLY)
    membership = Membership.objects.select_for_update().filter(project=project, user=member).first()
    if membership is None:
        return
    if membership.role == Role.MANAGER and _is_last_manager(project, member):
        raise ValueError("A project needs at least one manager; appoint another one first.")
    membership.delete()
    forget_roles(member)
    audit_record(
        action=AuditAction.MEMBERSHIP_REMOVED,
        actor=user,
        target=project,
        detail={"member": member.get_username(), "was": membership.role},
    )


@transaction.atomic
def group_membership_set(
    *, project: Project, group: ResearchGroup, role: str, user: AnyUser
) -> GroupMembership:
    """Give research ``group`` the ``role`` in ``project`` (``user`` must manage it): each of
    its members holds that role there, unless they hold a higher one of their own."""
    require(user, Action.MANAGE, project, MANAGERS_ONLY)
    current = GroupMembership.objects.filter(project=project, group=group).first()
    membership, _ = GroupMembership.objects.update_or_create(
        project=project, group=group, defaults={"role": Role(role)}
    )
    if current is None or current.role != membership.role:
        audit_record(
            action=AuditAction.GROUP_ROLE_SET,
            actor=user,
            target=project,
            detail={
                "group": group.name,
                "role": membership.role,
                "was": current.role if current else None,
            },
        )
    return membership


@transaction.atomic
def group_membership_remove(*, project: Project, group: ResearchGroup, user: AnyUser) -> None:
    """Take research ``group`` out of ``project``; its members keep their own memberships."""
    require(user, Action.MANAGE, project, MANAGERS_ONLY)
    membership = GroupMembership.objects.filter(project=project, group=group).first()
    if membership is None:
        return
    membership.delete()
    audit_record(
        action=AuditAction.GROUP_ROLE_REMOVED,
        actor=user,
        target=project,
        detail={"group": group.name, "was": membership.role},
    )


@transaction.atomic
def project_trash(*, project: Project, user: AnyUser) -> Project:
    """Move ``project`` with everything in it to the trash (its managers; facility managers).

    It disappears for everyone at once; it can be restored until the trash is purged
    (``LIMS_TRASH_RETENTION_DAYS`` after deletion).
    """
    require(user, Action.MANAGE, project, "Only the project's managers may delete it.")
    if project.trash_mark(user):
        audit_record(action=AuditAction.TRASHED, actor=user, target=project)
    return project


@transaction.atomic
def project_restore(*, project: Project, user: AnyUser) -> Project:
    """Bring ``project`` back from the trash, with what it held when it was deleted."""
    require(user, Action.MANAGE, project, "Only the project's managers may restore it.")
    if project.trash_unmark():
        audit_record(action=AuditAction.RESTORED, actor=user, target=project)
    return project
