"""Writes to accounts: personal API tokens (several per user, stored hashed); creating,
deactivating and reactivating people.

Accounts are never deleted: a person who leaves is deactivated. Their data stays (their
datasets, files and comments, and what the audit log says they did), and they can no longer
sign in (by password or single sign-on) or use an API token; every authentication path checks
``is_active``, and the permission seam treats an inactive user as nobody.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lims.accounts.models import ApiToken, User
from lims.accounts.tokens import SHOWN, key_digest, key_new
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import acting_user, is_facility_manager, require_facility_manager

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

FACILITY_ONLY = "Only facility managers manage accounts."


@transaction.atomic
def api_token_create(
    *, user: AnyUser, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a personal API token for ``user`` named ``name`` (what will use it), valid until
    ``expires_at`` (None: until revoked). Returns the token and its key: the key is shown
    once and only its hash is kept."""
    owner = acting_user(user)
    if owner is None or not owner.is_active:
        raise PermissionDenied("Sign in to make an API token.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Name the token after what will use it."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ["The expiry must be in the future."]})
    key = key_new()
    token = ApiToken.objects.create(
        user=owner,
        name=name[:100],
        prefix=key[:SHOWN],
        digest=key_digest(key),
        expires_at=expires_at,
    )
    audit_record(
        action=AuditAction.TOKEN_CREATED,
        actor=owner,
        detail={
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, key


def api_tokens_visible(user: AnyUser) -> QuerySet[ApiToken]:
    """The tokens ``user`` may list and revoke: their own; a facility manager's, everyone's."""
    tokens = ApiToken.objects.select_related("user")
    if is_facility_manager(user):
        return tokens
    me = acting_user(user)
    return tokens.filter(user=me) if me is not None else tokens.none()


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: AnyUser) -> None:
    """Revoke ``token`` (its owner, or a facility manager): scripts using it are refused from
    the next request on."""
    if not api_tokens_visible(user).filter(pk=token.pk).exists():
        raise PermissionDenied("Only its owner or a facility manager revokes a token.")
    audit_record(
        action=AuditAction.TOKEN_REVOKED,
        actor=user,
        target=token.user,
        detail={"name": token.name, "prefix": token.prefix},
    )
    token.delete()


@transaction.atomic
def user_create(
    *,
    username: str,
    user: AnyUser,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    affiliation: str = "",
    password: str = "",
    is_facility_manager: bool = False,
) -> User:
    """Create an account (facility managers only). Without a ``password`` the person signs in
    through single sign-on only (the password is unusable). A taken user name or a weak
    password is a ValidationError."""
    require_facility_manager(user, FACILITY_ONLY)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["This user name is taken."]})
    person = User(
        username=username,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        affiliation=affiliation.strip(),
        is_staff=is_facility_manager,
    )
    if password:
        try:
            validate_password(password, person)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    audit_record(
        action=AuditAction.USER_CREATED,
        actor=user,
        target=person,
        detail={"facility_manager": is_facility_manager},
    )
    return person


@transaction.atomic
def user_deactivate(*, person: User, user: AnyUser) -> User:
    """Deactivate ``person``: from the next request on they cannot sign in or use their API
    token, and see nothing but public data. Everything they made stays. Nobody deactivates
    themselves (another facility manager must)."""
    require_facility_manager(user, FACILITY_ONLY)
    me = acting_user(user)
    if me is not None and person.pk == me.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if person.is_active:
        person.is_active = False
        person.save(update_fields=["is_active"])
        audit_record(action=AuditAction.USER_DEACTIVATED, actor=user, target=person)
    return person


@transaction.atomic
def user_reactivate(*, person: User, user: AnyUser) -> User:
    """Let a deactivated ``person`` sign in again, with the memberships they had."""
    require_facility_manager(user, FACILITY_ONLY)
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])
        audit_record(action=AuditAction.USER_REACTIVATED, actor=user, target=person)
    return person
