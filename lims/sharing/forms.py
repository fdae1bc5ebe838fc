"""The form that makes a share link (on the dataset page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label="For",
        max_length=200,
        required=False,
        help_text="Who it is for, e.g. “Reviewer 2, Nat. Mater.” (shown to managers only).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The longest a link may last is a setting: read when the form is made, not imported.
        self.fields["days"] = forms.IntegerField(
            label="Works for (days)",
            min_value=1,
            max_value=settings.LIMS_SHARE_LINK_MAX_DAYS,
            initial=14,
            help_text="It stops working after this many days, or when you revoke it.",
        )
