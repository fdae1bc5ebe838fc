"""API token keys: how they are made, hashed and looked up. Only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from lims.accounts.models import ApiToken

#: Every key starts with this, so that a key pasted where it should not be is recognisable
#: (secret scanners match it).
KEY_PREFIX = "lims_"
#: Characters of the key kept in clear to tell tokens apart.
SHOWN = 12
#: ``last_used_at`` is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_digest(key: str) -> str:
    """The SHA-256 (hex) under which a key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_new() -> str:
    """A new random key: the prefix and 240 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(30)


def token_for_key(key: str) -> ApiToken | None:
    """The usable token (unexpired, its user active) whose key is ``key``, or None; notes
    when it was used."""
    token = ApiToken.objects.usable().select_related("user").filter(digest=key_digest(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
