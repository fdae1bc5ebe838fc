"""The facility's people pages: every account with its roles; creating an account; one
person's page, where they are deactivated, reactivated, or hand over what they own."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lims.accounts.filters import UserFilterSet
from lims.accounts.forms import TransferForm, UserCreateForm
from lims.accounts.models import User
from lims.accounts.services import (
    api_token_revoke,
    api_tokens_visible,
    user_create,
    user_deactivate,
    user_reactivate,
)
from lims.core.pagination import paginate
from lims.datasets.ownership import ownership_transfer
from lims.projects.models import Membership
from lims.web.forms import message_errors, show_errors
from lims.web.views.facility import facility_manager_required


def _memberships() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(project__deleted_at__isnull=True)
        .select_related("project")
        .order_by("project__name"),
    )


@facility_manager_required
def people(request: HttpRequest) -> HttpResponse:
    """Every account with its research groups, projects and roles."""
    queryset = User.objects.prefetch_related(_memberships(), "research_groups")
    filterset = UserFilterSet(request.GET, queryset=queryset)
    query = request.GET.get("q", "").strip()
    return render(request, "manage/people.html", {"q": query, **paginate(request, filterset.qs)})


@facility_manager_required
def person_create(request: HttpRequest) -> HttpResponse:
    """A new account (with a password, or for single sign-on only)."""
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = user_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"The account {person.username} was created.")
            return redirect("manage:person", user_id=person.pk)
    return render(request, "manage/person_form.html", {"form": form, "tab": "people"})


@facility_manager_required
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One account: its groups, projects and roles, and what a facility manager does to it."""
    person = get_object_or_404(
        User.objects.prefetch_related(_memberships(), "research_groups"), pk=user_id
    )
    context = {
        "person": person,
        "transfer_form": TransferForm(person=person),
        "n_projects_created": person.projects_created.count(),
        "n_datasets_created": person.datasets_created.count(),
        "tokens": api_tokens_visible(request.user).filter(user=person),
        "tab": "people",
    }
    return render(request, "manage/person.html", context)


@facility_manager_required
@require_POST
def person_activation(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate (``action=deactivate``) or reactivate an account."""
    person = get_object_or_404(User, pk=user_id)
    try:
        if request.POST.get("action") == "reactivate":
            user_reactivate(person=person, user=request.user)
            messages.success(request, f"{person.username} may sign in again.")
        else:
            user_deactivate(person=person, user=request.user)
            messages.success(
                request,
                f"{person.username} is deactivated: no sign-in, no API token; their data stays.",
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("manage:person", user_id=person.pk)


@facility_manager_required
@require_POST
def person_token_revoke(request: HttpRequest, user_id: int, token_id: int) -> HttpResponse:
    """Revoke one of a person's API tokens (a lost instrument PC, a leaked key)."""
    tokens = api_tokens_visible(request.user).filter(user_id=user_id)
    token = get_object_or_404(tokens, pk=token_id)
    api_token_revoke(token=token, user=request.user)
    messages.success(request, f"The token “{token.name}” of {token.user.username} was revoked.")
    return redirect("manage:person", user_id=user_id)


@facility_manager_required
@require_POST
def person_transfer(request: HttpRequest, user_id: int) -> HttpResponse:
    """Hand over the projects, datasets and roles of an account to another."""
    person = get_object_or_404(User, pk=user_id)
    form = TransferForm(request.POST, person=person)
    if not form.is_valid():
        message_errors(request, form)
        return redirect("manage:person", user_id=person.pk)
    to_user = form.cleaned_data["to_user"]
    try:
        done = ownership_transfer(from_user=person, to_user=to_user, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{to_user.username} now owns {done.projects} project(s) and {done.datasets} "
            f"dataset(s) of {person.username}, with {done.roles} role(s) handed on.",
        )
    return redirect("manage:person", user_id=person.pk)
