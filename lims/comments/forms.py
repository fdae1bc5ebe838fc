"""The comment form."""

from __future__ import annotations

from django import forms


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain text or Markdown (**bold**, *italic*, `code`, lists, links).",
    )
