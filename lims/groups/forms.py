"""Forms of the facility's research-group pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model


class GroupForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class GroupMemberForm(forms.Form):
    username = forms.CharField(label="User name or e-mail", max_length=254)

    def clean_username(self) -> object:
        value = self.cleaned_data["username"].strip()
        users = get_user_model().objects.all()
        user = (
            users.filter(username__iexact=value).first()
            or users.filter(email__iexact=value).first()
        )
        if user is None:
            raise forms.ValidationError("No account has this user name or e-mail.")
        return user
