"""The FilterSet of comments (the API's list; the pages show a target's comments inline)."""

from __future__ import annotations

import django_filters

from lims.comments.models import Comment
from lims.core.filters import SortFilter

COMMENT_SORTS = {"created": ["created_at", "id"]}


class CommentFilterSet(django_filters.FilterSet):
    """Comments on one dataset (not its files' unless asked) or one file, or by one author."""

    dataset = django_filters.UUIDFilter(
        field_name="dataset__uid", help_text="Comments on this dataset itself."
    )
    file = django_filters.UUIDFilter(field_name="file__uid", help_text="Comments on this file.")
    author = django_filters.CharFilter(field_name="author__username", help_text="User name.")
    sort = SortFilter(orderings=COMMENT_SORTS, default="created")

    class Meta:
        model = Comment
        fields = ["dataset", "file", "author", "sort"]
