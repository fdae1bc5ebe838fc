"""Recording audit events: :func:`audit_record` is the one way in.

Other code calls it where something worth an audit trail happens (sign-ins, membership and
visibility changes, uploads, downloads, deletions and restores, re-extractions, API tokens,
share links, accounts). An event is written in the caller's transaction: what rolls back
leaves no trace, what commits is recorded with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lims.audit.context import client_address
from lims.audit.models import AuditEvent
from lims.core.permissions import SystemActor, acting_user, project_of

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser

#: The kinds of object whose project an event belongs to, found from the object itself.
PROJECT_SCOPED = {
    "projects.project",
    "datasets.dataset",
    "files.instrumentfile",
    "comments.comment",
}


def _actor_name(actor: AnyUser | None) -> str:
    if isinstance(actor, SystemActor):
        return "system"
    user = acting_user(actor)
    return user.get_username() if user is not None else "anonymous"


def _target_fields(target: Any) -> dict[str, str]:
    if target is None:
        return {}
    identifier = getattr(target, "uid", None) or getattr(target, "slug", None) or target.pk
    return {
        "target_type": target._meta.model_name,
        "target_id": str(identifier)[:64],
        "target_label": str(target)[:300],
    }


def audit_record(
    *,
    action: str,
    actor: AnyUser | None,
    target: Any = None,
    project: Any = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` (an :class:`~lims.audit.models.AuditAction`).

    ``target`` is the object acted on (any model); the event belongs to ``project``, or else to
    the target's project when the target is a project, dataset, file or comment. ``detail`` is
    JSON. The client's address is the current request's unless ``ip_address`` is given.
    """
    if project is None and target is not None and target._meta.label_lower in PROJECT_SCOPED:
        project = project_of(target)
    user = acting_user(actor)
    return AuditEvent.objects.create(
        action=action,
        actor_id=user.pk if user is not None else None,
        actor_name=_actor_name(actor),
        project_id=project.pk if project is not None else None,
        detail=detail or {},
        ip_address=ip_address or client_address(),
        **_target_fields(target),
    )
