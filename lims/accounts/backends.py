"""Single sign-on through OpenID Connect (mozilla-django-oidc), for facilities that want it.

Off unless ``OIDC_RP_CLIENT_ID`` is set (see README.md, "Single sign-on"). People are matched
to accounts by e-mail address; with ``LIMS_OIDC_CREATE_USERS`` an unknown person gets a new
account without any project role (else they are refused, and a facility manager creates their
account first). A deactivated account is refused at sign-in, and a session it already had is
no longer honoured: unlike Django's ModelBackend, the library's backend does not check
``is_active`` when it loads a session's user, so this one does.
"""

from __future__ import annotations

from typing import Any

from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from lims.accounts.models import User
from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.slugs import unique_slug


class FacilityOIDCBackend(OIDCAuthenticationBackend):
    """OpenID Connect sign-in for active accounts only, with readable user names."""

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        user = super().authenticate(request, **kwargs)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user(self, user_id: Any) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def create_user(self, claims: dict[str, Any]) -> User:
        email = claims.get("email", "")
        wanted = claims.get("preferred_username") or email.split("@", 1)[0]
        user = User(
            username=unique_slug(User.objects.all(), wanted, field="username", fallback="user"),
            email=email,
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save()
        audit_record(
            action=AuditAction.USER_CREATED,
            actor=None,
            target=user,
            detail={"by": "single sign-on", "email": email},
        )
        return user
