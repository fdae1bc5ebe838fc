"""Writes to accounts: personal API tokens."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from lims.accounts.models import User


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    """Give ``user`` a new API token; the old one, if any, stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_token_revoke(*, user: User) -> None:
    """Delete ``user``'s API token: scripts using it are refused from now on."""
    Token.objects.filter(user=user).delete()
