"""Writes to research groups and their members (facility managers only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import require_facility_manager
from lims.core.slugs import unique_slug
from lims.groups.models import ResearchGroup

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

FACILITY_ONLY = "Only facility managers manage research groups."


@transaction.atomic
def group_create(*, name: str, user: AnyUser, description: str = "") -> ResearchGroup:
    """Create a research group (without members). A name already taken is a ValidationError."""
    require_facility_manager(user, FACILITY_ONLY)
    name = name.strip()
    if ResearchGroup.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": ["A group of this name exists already."]})
    group = ResearchGroup.objects.create(
        name=name,
        slug=unique_slug(ResearchGroup.objects.all(), name, fallback="group"),
        description=description,
    )
    audit_record(action=AuditAction.GROUP_CREATED, actor=user, target=group)
    return group


@transaction.atomic
def group_update(
    *, group: ResearchGroup, user: AnyUser, name: str | None = None, description: str | None = None
) -> ResearchGroup:
    """Rename a group or change its description; its slug stays (it is in links)."""
    require_facility_manager(user, FACILITY_ONLY)
    before = group.name
    if name is not None:
        name = name.strip()
        if ResearchGroup.objects.filter(name__iexact=name).exclude(pk=group.pk).exists():
            raise ValidationError({"name": ["A group of this name exists already."]})
        group.name = name
    if description is not None:
        group.description = description
    group.full_clean(exclude=["slug"])
    group.save()
    audit_record(action=AuditAction.GROUP_CHANGED, actor=user, target=group, detail={"was": before})
    return group


@transaction.atomic
def group_delete(*, group: ResearchGroup, user: AnyUser) -> None:
    """Delete a group: its members lose the roles they held through it, nothing else."""
    require_facility_manager(user, FACILITY_ONLY)
    audit_record(action=AuditAction.GROUP_DELETED, actor=user, target=group)
    group.delete()


@transaction.atomic
def group_member_add(*, group: ResearchGroup, member: User, user: AnyUser) -> None:
    """Add ``member`` to ``group``: they get its roles in its projects at once."""
    require_facility_manager(user, FACILITY_ONLY)
    if group.members.filter(pk=member.pk).exists():
        return
    group.members.add(member)
    audit_record(
        action=AuditAction.GROUP_MEMBER_ADDED,
        actor=user,
        target=group,
        detail={"member": member.get_username()},
    )


@transaction.atomic
def group_member_remove(*, group: ResearchGroup, member: User, user: AnyUser) -> None:
    """Take ``member`` out of ``group`` (their own memberships stay as they are)."""
    require_facility_manager(user, FACILITY_ONLY)
    if not group.members.filter(pk=member.pk).exists():
        return
    group.members.remove(member)
    audit_record(
        action=AuditAction.GROUP_MEMBER_REMOVED,
        actor=user,
        target=group,
        detail={"member": member.get_username()},
    )
