"""Signing in and out, one's password, and one's account page with the personal API token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from rest_framework.authtoken.models import Token

from lims.accounts.services import api_token_regenerate, api_token_revoke
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
    """The signed-in user's account: their projects, password, and personal API token."""
    user = request.user
    token = Token.objects.filter(user_id=user.pk).first()
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            api_token_revoke(user=user)
            messages.success(request, "Your API token was revoked; scripts using it are refused.")
        else:
            token = api_token_regenerate(user=user)
            messages.success(request, "A new API token was made; the old one no longer works.")
            # Shown once, right after it is made; afterwards only its beginning.
            return render(request, "accounts/account.html", _account_context(user, token, True))
        return redirect("account")
    return render(request, "accounts/account.html", _account_context(user, token, False))


def _account_context(user: Any, token: Token | None, show_key: bool) -> dict[str, Any]:
    return {"token": token, "show_key": show_key, "memberships": my_projects(user)}
