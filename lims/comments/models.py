"""Comments that researchers leave on datasets and files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from lims.core.permissions import dataset_filter, file_filter

if TYPE_CHECKING:
    from lims.core.permissions import AnyUser


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible_to(self, user: AnyUser | None) -> CommentQuerySet:
        """The comments ``user`` may read: those on datasets and files they may see (share
        links show data, not the conversation: they admit to no comment)."""
        # Each branch names its own target: the other one's relation is empty (NULL), and the
        # trash filters ("deleted_at IS NULL") would hold on it.
        on_dataset = Q(dataset__isnull=False) & dataset_filter(
            user, prefix="dataset__", shared=False
        )
        on_file = Q(file__isnull=False) & file_filter(user, prefix="file__", shared=False)
        return self.filter(on_dataset | on_file)


class Comment(models.Model):
    """A plain-text (or safe Markdown) note on a dataset or on one file of it."""

    dataset = models.ForeignKey(
        "datasets.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    file = models.ForeignKey(
        "files.InstrumentFile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dataset__isnull=False) & Q(file__isnull=True))
                | (Q(dataset__isnull=True) & Q(file__isnull=False)),
                name="comment_on_dataset_or_file",
            )
        ]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.target}"

    @property
    def target(self) -> Any:
        """The dataset or file commented on."""
        return self.file if self.file_id else self.dataset
