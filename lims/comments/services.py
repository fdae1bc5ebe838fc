"""Writes to comments."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lims.accounts.models import User
from lims.comments.models import Comment
from lims.core.permissions import Action, can
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError("A comment cannot be empty.")
    if len(body) > 10_000:
        raise ValidationError("A comment can hold at most 10,000 characters.")
    return body


def comment_create(*, author: User, body: str, target: Dataset | InstrumentFile) -> Comment:
    """Add a comment to a dataset or a file the author may comment on."""
    if not can(author, Action.COMMENT, target):
        raise PermissionDenied("You may not comment here.")
    kwargs = {"file": target} if isinstance(target, InstrumentFile) else {"dataset": target}
    return Comment.objects.create(author=author, body=_clean_body(body), **kwargs)


def comment_update(*, comment: Comment, user: User, body: str) -> Comment:
    """Change a comment's text; only its author may."""
    if not can(user, Action.EDIT, comment):
        raise PermissionDenied("Only the author may edit a comment.")
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


def comment_delete(*, comment: Comment, user: User) -> None:
    """Delete a comment: its author, a project manager or a facility manager may."""
    if not can(user, Action.MANAGE, comment):
        raise PermissionDenied("You may not delete this comment.")
    comment.delete()
