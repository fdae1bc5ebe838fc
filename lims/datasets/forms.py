"""Forms of the dataset pages."""

from __future__ import annotations

from django import forms

from lims.core.permissions import Visibility

VISIBILITY_CHOICES = [("", "As the project"), *Visibility.choices]


class DatasetForm(forms.Form):
    title = forms.CharField(max_length=300)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Plain text or Markdown.",
    )
    visibility = forms.ChoiceField(
        label="Access",
        choices=VISIBILITY_CHOICES,
        required=False,
        help_text="Who may see the dataset; “As the project” follows the project's setting.",
    )
    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Keywords separated by commas, e.g. “graphene, in situ heating”.",
    )
    license = forms.CharField(
        max_length=100, required=False, help_text="An SPDX identifier such as CC-BY-4.0."
    )
    doi = forms.CharField(
        label="DOI",
        max_length=200,
        required=False,
        help_text="Its DataCite DOI once it has one, e.g. 10.5281/zenodo.1234.",
    )

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]
