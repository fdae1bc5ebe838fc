"""Forms of the project pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from lims.core.permissions import Role, Visibility
from lims.groups.models import ResearchGroup


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        initial=Visibility.PRIVATE,
        help_text="The default for the project's datasets; each dataset may override it.",
    )


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label="User name or e-mail", max_length=254, help_text="An existing facility account."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self) -> object:
        value = self.cleaned_data["username"].strip()
        users = get_user_model().objects.filter(is_active=True)
        user = (
            users.filter(username__iexact=value).first()
            or users.filter(email__iexact=value).first()
        )
        if user is None:
            raise forms.ValidationError("No active account has this user name or e-mail.")
        return user


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class GroupAddForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=ResearchGroup.objects.order_by("name"),
        label="Research group",
        help_text="Its members get this role in the project.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)
