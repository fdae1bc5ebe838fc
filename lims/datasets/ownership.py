"""Handing over what a person owns to someone else (when they leave, say).

Projects and datasets point at their creator (``created_by``); a contributor edits the datasets
they created, and a project needs managers. :func:`ownership_transfer` moves all of that from
one account to another in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import ROLE_RANK, Role, forget_roles, require_facility_manager
from lims.datasets.models import Dataset
from lims.projects.models import Membership, Project

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


@dataclass(frozen=True)
class Transferred:
    """What changed hands."""

    projects: int
    datasets: int
    roles: int


@transaction.atomic
def ownership_transfer(*, from_user: User, to_user: User, user: AnyUser) -> Transferred:
    """Give ``to_user`` what ``from_user`` owns (facility managers only).

    The projects and datasets ``from_user`` created are recorded as ``to_user``'s (trashed
    ones too), and in every project where ``from_user`` is a member, ``to_user`` gets at least
    the same role (a manager's role is handed on; a higher role ``to_user`` holds stays).
    ``from_user`` keeps their own memberships (deactivate them to take their access away).
    Uploaded files keep their uploader: that is a fact of history, not ownership.
    """
    require_facility_manager(user, "Only facility managers transfer ownership.")
    if from_user.pk == to_user.pk:
        raise ValidationError("Choose another account to hand over to.")
    if not to_user.is_active:
        raise ValidationError("Hand over to an active account.")
    projects = Project.objects.filter(created_by=from_user).update(created_by=to_user)
    datasets = Dataset.objects.filter(created_by=from_user).update(created_by=to_user)
    roles = 0
    theirs = {m.project_id: m for m in Membership.objects.filter(user=to_user)}
    for membership in Membership.objects.filter(user=from_user).select_related("project"):
        current = theirs.get(membership.project_id)
        if (
            current is not None
            and ROLE_RANK[Role(current.role)] >= ROLE_RANK[Role(membership.role)]
        ):
            continue
        Membership.objects.update_or_create(
            project_id=membership.project_id, user=to_user, defaults={"role": membership.role}
        )
        audit_record(
            action=AuditAction.MEMBERSHIP_SET,
            actor=user,
            target=membership.project,
            detail={
                "member": to_user.get_username(),
                "role": membership.role,
                "was": current.role if current else None,
                "handed_over_by": from_user.get_username(),
            },
        )
        roles += 1
    forget_roles(to_user)
    result = Transferred(projects=projects, datasets=datasets, roles=roles)
    audit_record(
        action=AuditAction.OWNERSHIP_TRANSFERRED,
        actor=user,
        target=from_user,
        detail={"to": to_user.get_username(), **result.__dict__},
    )
    return result
