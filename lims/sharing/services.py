"""Making, revoking and opening share links, and what the links a visitor holds admit.

A link is made and revoked by the project's managers (it changes who sees the dataset, like
its visibility). The pages that accept links turn the links a browser session holds into a
:class:`~lims.core.permissions.ShareGrant` on every request (:func:`share_grant_for`), so the
permission seam admits the holder to exactly those datasets, and a revoked or expired link
stops working on the next request.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lims.audit.models import AuditAction
from lims.audit.services import audit_record
from lims.core.permissions import Action, ShareGrant, acting_user, require
from lims.datasets.models import Dataset
from lims.sharing.models import ShareLink, ShareTarget, key_digest

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

MANAGERS_ONLY = "Only the project's managers share its datasets."


@transaction.atomic
def share_link_create(
    *, dataset: Dataset, user: AnyUser, days: int, label: str = ""
) -> tuple[ShareLink, str]:
    """Make a link to ``dataset`` that works for ``days`` days; returns the link and its key.

    The key is in the URL to hand out and is not stored (only its digest): show it now.
    ``days`` runs from 1 to ``LIMS_SHARE_LINK_MAX_DAYS``; else a ValidationError.
    """
    require(user, Action.MANAGE, dataset, MANAGERS_ONLY)
    longest = settings.LIMS_SHARE_LINK_MAX_DAYS
    if not 1 <= days <= longest:
        raise ValidationError({"days": [f"A link lasts from 1 to {longest} days."]})
    key = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        key_digest=key_digest(key),
        key_hint=key[:6],
        target=ShareTarget.DATASET,
        dataset=dataset,
        label=label.strip(),
        created_by=acting_user(user),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        action=AuditAction.SHARE_CREATED,
        actor=user,
        target=dataset,
        detail={"link": link.pk, "label": link.label, "expires_at": link.expires_at.isoformat()},
    )
    return link, key


@transaction.atomic
def share_link_revoke(*, link: ShareLink, user: AnyUser) -> ShareLink:
    """Stop ``link`` from working, at once (the project's managers)."""
    assert link.dataset is not None
    require(user, Action.MANAGE, link.dataset, MANAGERS_ONLY)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = acting_user(user)
        link.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            action=AuditAction.SHARE_REVOKED,
            actor=user,
            target=link.dataset,
            detail={"link": link.pk, "label": link.label},
        )
    return link


def share_link_find(key: str) -> ShareLink | None:
    """The link of this key, whatever its state (None for a key that was never made)."""
    return ShareLink.objects.select_related("dataset").filter(key_digest=key_digest(key)).first()


def share_link_open(*, link: ShareLink, user: AnyUser) -> None:
    """Record that someone opened ``link`` (its managers see who and when in the audit log)."""
    audit_record(
        action=AuditAction.SHARE_OPENED,
        actor=user,
        target=link.dataset,
        detail={"link": link.pk, "label": link.label},
    )


def share_grant_for(link_ids: Iterable[int]) -> ShareGrant:
    """What the links ``link_ids`` admit to now: the datasets of those still active.

    One query; links since revoked or expired admit nothing (their ids are left out).
    """
    rows = ShareLink.objects.active().filter(pk__in=list(link_ids)).values_list("pk", "dataset_id")
    links = {pk: dataset_id for pk, dataset_id in rows if dataset_id is not None}
    return ShareGrant(dataset_ids=frozenset(links.values()), link_ids=frozenset(links))
