"""Signing in and out, one's password, and one's account page with the personal API tokens."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone

from lims.accounts.forms import ApiTokenForm
from lims.accounts.services import api_token_create, api_token_revoke, api_tokens_visible
from lims.web.views.home import my_projects


class LoginView(auth_views.LoginView):
    """The sign-in page: a password, or single sign-on when it is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's account: their projects, password, and personal API tokens (made
    with a name and an optional expiry, the key shown once; listed with when each was last
    used; revoked one by one)."""
    user = request.user
    form = ApiTokenForm()
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(api_tokens_visible(user).filter(user=user), pk=_id(request))
            api_token_revoke(token=token, user=user)
            messages.success(request, f"The token “{token.name}” was revoked.")
            return redirect("account")
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            expires_on = form.cleaned_data["expires_on"]
            expires_at = (
                timezone.make_aware(datetime.combine(expires_on, time.max)) if expires_on else None
            )
            try:
                _, new_key = api_token_create(
                    user=user, name=form.cleaned_data["name"], expires_at=expires_at
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form = ApiTokenForm()
    tokens = api_tokens_visible(user).filter(user=user)
    context = {"tokens": tokens, "new_key": new_key, "form": form, "memberships": my_projects(user)}
    return render(request, "accounts/account.html", context)


def _id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("revoke", ""))
    except ValueError as error:
        raise Http404("No such token.") from error
