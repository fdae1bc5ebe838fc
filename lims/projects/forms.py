"""Forms of the project pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import validate_email

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
    """A user name adds that account at once; an e-mail address is sent an invitation (the
    address is not looked up, so nobody learns from the answer whether it has an account)."""

    username = forms.CharField(
        label="User name or e-mail",
        max_length=254,
        help_text="A user name adds the account; an e-mail address is sent an invitation.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self) -> object:
        """The account of a user name, or the e-mail address (a str) to invite."""
        value = self.cleaned_data["username"].strip()
        if "@" in value:
            validate_email(value)
            return value
        user = get_user_model().objects.filter(is_active=True, username__iexact=value).first()
        if user is None:
            raise forms.ValidationError(
                "No active account has this user name; to invite someone, give their e-mail."
            )
        return user


class InvitationAccountForm(forms.Form):
    """A new account for the invited address."""

    username = forms.CharField(label="User name", max_length=150)
    full_name = forms.CharField(label="Your name", max_length=300, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        help_text="At least 8 characters, not only digits, not a common one.",
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class GroupAddForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=ResearchGroup.objects.order_by("name"),
        label="Research group",
        help_text="Its members get this role in the project.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)
