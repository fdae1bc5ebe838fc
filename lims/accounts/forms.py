"""Forms of the facility's people pages: creating an account, handing over what one owns."""

from __future__ import annotations

from typing import Any

from django import forms

from lims.accounts.models import User


class UserCreateForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    affiliation = forms.CharField(max_length=200, required=False, help_text="Group or department.")
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Leave blank for people who sign in through single sign-on only.",
    )
    is_facility_manager = forms.BooleanField(
        label="Facility manager", required=False, help_text="Sees and manages everything."
    )


class TransferForm(forms.Form):
    """Whom ``person``'s projects and datasets go to: another active account."""

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"] = forms.ModelChoiceField(
            queryset=User.objects.filter(is_active=True).exclude(pk=person.pk).order_by("username"),
            label="Hand over to",
            help_text="Their projects and datasets become this person's, with the same roles.",
        )


class ApiTokenForm(forms.Form):
    """A new personal API token: what will use it, and until when."""

    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “Titan PC” or “analysis notebook”."
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a token that lasts until you revoke it.",
    )
