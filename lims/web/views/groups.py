"""The facility's research-group pages: the list, creating one, one group with its members
and projects (renaming, adding and removing members, deleting the group)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lims.accounts.models import User
from lims.core.pagination import paginate
from lims.groups.forms import GroupForm, GroupMemberForm
from lims.groups.models import ResearchGroup
from lims.groups.services import (
    group_create,
    group_delete,
    group_member_add,
    group_member_remove,
    group_update,
)
from lims.web.forms import message_errors, show_errors
from lims.web.views.facility import facility_manager_required


@facility_manager_required
def groups(request: HttpRequest) -> HttpResponse:
    """Every research group with its number of members and projects; a form to add one."""
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"The group {group} was created; add its members.")
            return redirect(group)
    queryset = ResearchGroup.objects.annotate(
        n_members=Count("members", distinct=True),
        n_projects=Count(
            "project_memberships",
            filter=Q(project_memberships__project__deleted_at__isnull=True),
            distinct=True,
        ),
    ).order_by("name")
    context = {"form": form, "tab": "groups", **paginate(request, queryset)}
    return render(request, "manage/groups.html", context)


@facility_manager_required
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One group: its members, its projects and roles, and the forms that change it."""
    group = get_object_or_404(ResearchGroup, slug=slug)
    form = GroupForm(
        request.POST or None, initial={"name": group.name, "description": group.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            group_update(group=group, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Group saved.")
            return redirect(group)
    context = {
        "group": group,
        "form": form,
        "member_form": GroupMemberForm(),
        "members": group.members.order_by("username"),
        "project_memberships": group.project_memberships.filter(
            project__deleted_at__isnull=True
        ).select_related("project"),
        "tab": "groups",
    }
    return render(request, "manage/group.html", context)


@facility_manager_required
@require_POST
def group_members(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a member (``username``) or remove one (``remove=<user id>``)."""
    group = get_object_or_404(ResearchGroup, slug=slug)
    if "remove" in request.POST:
        leaving = get_object_or_404(group.members, pk=request.POST["remove"])
        group_member_remove(group=group, member=leaving, user=request.user)
        messages.success(request, f"{leaving.username} left {group}.")
        return redirect(group)
    form = GroupMemberForm(request.POST)
    if form.is_valid():
        member: User = form.cleaned_data["username"]
        group_member_add(group=group, member=member, user=request.user)
        messages.success(request, f"{member.username} is a member of {group}.")
    else:
        message_errors(request, form)
    return redirect(group)


@facility_manager_required
@require_POST
def group_remove(request: HttpRequest, slug: str) -> HttpResponse:
    """Delete a group: its members lose the roles they had through it."""
    group = get_object_or_404(ResearchGroup, slug=slug)
    group_delete(group=group, user=request.user)
    messages.success(request, f"The group {group} was deleted.")
    return redirect("manage:groups")
