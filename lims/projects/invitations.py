"""Invitations to a project by e-mail: sent, opened, accepted.

A manager invites an address; the LIMS does not look the address up, so the manager learns
nothing about who has an account (the page answers the same, and the same e-mail goes out,
either way). The person who opens the link joins with their own account (signed in), or
creates an account for the invited address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import ROLE_RANK, Action, Role, acting_user, forget_roles, require
from lims.projects.models import Invitation, Membership, Project

if TYPE_CHECKING:
    from collections.abc import Callable

    from lims.core.permissions import AnyUser

GONE = "This invitation was used already, or it expired. Ask the project's managers for a new one."


def invitation_digest(key: str) -> str:
    """What is stored of an invitation's key: its SHA-256 (the key is only in the e-mail)."""
    return hashlib.sha256(key.encode()).hexdigest()


def invitation_for_key(key: str) -> Invitation | None:
    """The pending invitation with this key, or None (unknown, used or expired)."""
    return (
        Invitation.objects.pending()
        .select_related("project", "invited_by")
        .filter(key_digest=invitation_digest(key), project__deleted_at__isnull=True)
        .first()
    )


@transaction.atomic
def invitation_create(
    *,
    project: Project,
    email: str,
    role: str,
    user: AnyUser,
    absolute: Callable[[str], str],
) -> Invitation:
    """Invite ``email`` to ``project`` with ``role`` (``user`` must manage the project) and
    e-mail the link (``absolute`` makes it a full URL), once the invitation is committed.

    The address is not looked up: whether it has an account changes nothing here.
    """
    require(user, Action.MANAGE, project, "Only the project's managers invite people.")
    email = User.objects.normalize_email(email.strip())
    key = secrets.token_urlsafe(32)
    days = settings.LIMS_INVITATION_DAYS
    invitation = Invitation.objects.create(
        project=project,
        email=email,
        role=Role(role),
        key_digest=invitation_digest(key),
        invited_by=acting_user(user),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    context = {
        "invitation": invitation,
        "inviter": user,
        "url": absolute(reverse("invitation", kwargs={"key": key})),
        "days": days,
        "site": settings.SITE_NAME,
    }
    subject = f"Invitation to the project “{project.name}”"
    body = render_to_string("projects/invitation_email.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
    )
    audit_record(
        action=AuditAction.INVITATION_SENT,
        actor=user,
        target=project,
        detail={"email": email, "role": invitation.role},
    )
    return invitation


def invitations_pending(*, project: Project, user: AnyUser) -> list[Invitation]:
    """The project's invitations not yet accepted or expired, newest first (its managers only:
    they name e-mail addresses)."""
    require(user, Action.MANAGE, project, "Only the project's managers see its invitations.")
    return list(project.invitations.pending().select_related("invited_by"))


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, user: AnyUser) -> None:
    """Withdraw a pending invitation (a manager of its project): its link stops working."""
    require(
        user, Action.MANAGE, invitation.project, "Only the project's managers withdraw invitations."
    )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was accepted already; remove the member instead.")
    audit_record(
        action=AuditAction.INVITATION_REVOKED,
        actor=user,
        target=invitation.project,
        detail={"email": invitation.email, "role": invitation.role},
    )
    invitation.delete()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: AnyUser) -> Membership:
    """``user`` (signed in, active) takes up ``invitation``: they become a member with its role
    (a higher role they hold already stays). An invitation is used once."""
    member = acting_user(user)
    if member is None or not member.is_active:
        raise PermissionDenied("Sign in to accept the invitation.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(GONE)
    current = Membership.objects.filter(project=invitation.project, user=member).first()
    role = invitation.role
    if current is not None and ROLE_RANK[Role(current.role)] >= ROLE_RANK[Role(role)]:
        role = current.role
    membership, _ = Membership.objects.update_or_create(
        project=invitation.project, user=member, defaults={"role": role}
    )
    forget_roles(member)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = member
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED,
        actor=member,
        target=invitation.project,
        detail={
            "email": invitation.email,
            "role": membership.role,
            "was": current and current.role,
        },
    )
    return membership


@transaction.atomic
def invitation_accept_new_account(
    *, invitation: Invitation, username: str, password: str, full_name: str = ""
) -> User:
    """Create an account for the invited address and accept ``invitation`` with it.

    The user name must be free and the password acceptable (a ValidationError names the field).
    """
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["This user name is taken; choose another."]})
    first, _, last = full_name.strip().partition(" ")
    person = User(username=username, email=invitation.email, first_name=first, last_name=last)
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    person.set_password(password)
    person.save()
    audit_record(
        action=AuditAction.USER_CREATED,
        actor=person,
        target=person,
        detail={"by": "invitation", "project": invitation.project.slug},
    )
    invitation_accept(invitation=invitation, user=person)
    return person
