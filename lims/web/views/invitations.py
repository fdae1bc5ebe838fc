"""Opening an invitation to a project: accept it signed in, or make an account for it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lims.projects.forms import InvitationAccountForm
from lims.projects.invitations import (
    GONE,
    invitation_accept,
    invitation_accept_new_account,
    invitation_for_key,
)
from lims.web.forms import show_errors


def invitation(request: HttpRequest, key: str) -> HttpResponse:
    """The invitation: who invites whom to which project as what. Signed in, one button
    accepts it; otherwise sign in first, or make an account for the invited address."""
    invited = invitation_for_key(key)
    if invited is None:
        return render(request, "projects/invitation_gone.html", {"message": GONE}, status=410)
    signed_in = request.user.is_authenticated
    form = InvitationAccountForm(None if signed_in else request.POST or None)
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            if signed_in:
                invitation_accept(invitation=invited, user=request.user)
            else:
                person = invitation_accept_new_account(invitation=invited, **form.cleaned_data)
                login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(
                request,
                f"Welcome to “{invited.project.name}”: you are "
                f"{invited.get_role_display().lower()} here.",
            )
            return redirect(invited.project)
    context = {"invitation": invited, "form": form, "signed_in": signed_in}
    return render(request, "projects/invitation.html", context)
