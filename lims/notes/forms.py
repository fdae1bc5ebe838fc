"""The note form (key, value, unit) and the tags field."""

from __future__ import annotations

from django import forms


class NoteForm(forms.Form):
    key = forms.CharField(
        max_length=100, help_text="e.g. sample ID, grid, treatment, annealing temperature"
    )
    value = forms.CharField(max_length=1000)
    unit = forms.CharField(max_length=40, required=False, help_text="Optional: nm, °C, keV, s…")


class TagsForm(forms.Form):
    tags = forms.CharField(
        max_length=1000, required=False, help_text="Separated by commas; empty removes them all."
    )
