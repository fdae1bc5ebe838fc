"""Project pages: the list, one project with its members (people and research groups) and
datasets, creating one, deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, Prefetch, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lims.core.pagination import paginate
from lims.core.permissions import (
    Action,
    can,
    dataset_filter,
    file_live,
    member_filter,
    require,
    role_in,
)
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile
from lims.groups.models import ResearchGroup
from lims.projects.filters import ProjectFilterSet
from lims.projects.forms import GroupAddForm, MemberAddForm, MemberRoleForm, ProjectForm
from lims.projects.invitations import invitation_create
from lims.projects.models import Project
from lims.projects.services import (
    MANAGERS_ONLY,
    group_membership_remove,
    group_membership_set,
    membership_remove,
    membership_set,
    project_create,
    project_trash,
    project_update,
)
from lims.web.forms import message_errors
from lims.web.views.trash import moved_to_trash

THUMBS_PER_DATASET = 4


def project_or_404(request: HttpRequest, slug: str) -> Project:
    """The project, if the user may see it; invisible projects do not exist for them."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    return project


def project_list(request: HttpRequest) -> HttpResponse:
    """The projects the user may see, with the datasets they may see counted."""
    visible_datasets = dataset_filter(request.user, prefix="datasets__")
    queryset = Project.objects.visible_to(request.user).annotate(
        n_datasets=Count("datasets", filter=visible_datasets, distinct=True)
    )
    filterset = ProjectFilterSet(request.GET, queryset=queryset)
    query = request.GET.get("q", "").strip()
    mine: set[int] = set()
    if request.user.is_authenticated:  # in person or through a research group
        mine = set(Project.objects.filter(member_filter(request.user)).values_list("id", flat=True))
    context = {"q": query, "mine": mine, **paginate(request, filterset.qs, 30)}
    return render(request, "projects/list.html", context)


def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A project: its description, members and roles, and datasets with thumbnails."""
    project = project_or_404(request, slug)
    datasets = (
        Dataset.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("created_by", "project")
        .annotate(n_files=Count("files", filter=file_live("files__"), distinct=True))
        .prefetch_related(
            "tags",
            Prefetch(
                "files",
                queryset=InstrumentFile.objects.filter(deleted_at__isnull=True)
                .exclude(thumbnail="")
                .only("id", "uid", "dataset_id", "original_name", "thumbnail")
                .order_by("original_name")[:THUMBS_PER_DATASET],
                to_attr="thumb_files",
            ),
        )
        .order_by("-created_at")
    )
    memberships = project.memberships.select_related("user").order_by(
        Case(When(role="manager", then=0), When(role="contributor", then=1), default=2),
        "user__username",
    )
    group_memberships = project.group_memberships.select_related("group").annotate(
        n_members=Count("group__members")
    )
    can_manage = can(request.user, Action.MANAGE, project)
    context = {
        "project": project,
        "role": role_in(request.user, project),
        "memberships": memberships,
        "group_memberships": group_memberships,
        "can_manage": can_manage,
        "can_contribute": can(request.user, Action.CONTRIBUTE, project),
        "add_form": MemberAddForm(),
        "group_form": GroupAddForm() if can_manage else None,
        "role_form": MemberRoleForm(),
        **paginate(request, datasets, 24),
    }
    return render(request, "projects/detail.html", context)


@login_required
def project_create_view(request: HttpRequest) -> HttpResponse:
    """Any signed-in user may start a project; they become its manager."""
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = project_create(created_by=request.user, **form.cleaned_data)
        messages.success(request, f"Project “{project.name}” created. You are its manager.")
        return redirect(project)
    return render(request, "projects/form.html", {"form": form})


@login_required
def project_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers change a project's name, description and default visibility."""
    project = project_or_404(request, slug)
    require(request.user, Action.MANAGE, project, MANAGERS_ONLY)
    initial = {
        "name": project.name,
        "description": project.description,
        "visibility": project.visibility,
    }
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        project_update(project=project, user=request.user, **form.cleaned_data)
        messages.success(request, "Project saved.")
        return redirect(project)
    return render(request, "projects/form.html", {"form": form, "project": project})


@login_required
@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_or_404(request, slug)
    require(request.user, Action.MANAGE, project, MANAGERS_ONLY)
    form = MemberAddForm(request.POST)
    if form.is_valid() and isinstance(form.cleaned_data["username"], str):
        # The same answer whether or not the address has an account.
        invitation = invitation_create(
            project=project,
            email=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
            user=request.user,
            absolute=request.build_absolute_uri,
        )
        messages.success(
            request,
            f"An invitation to join as {invitation.get_role_display().lower()} was e-mailed to "
            f"{invitation.email}.",
        )
    elif form.is_valid():
        member = form.cleaned_data["username"]
        membership = membership_set(
            project=project, member=member, role=form.cleaned_data["role"], user=request.user
        )
        messages.success(request, f"{member} is now {membership.get_role_display().lower()}.")
    else:
        message_errors(request, form)
    return redirect(f"{project.get_absolute_url()}#members")


@login_required
@require_POST
def member_update(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    project = project_or_404(request, slug)
    require(request.user, Action.MANAGE, project, MANAGERS_ONLY)
    member = get_object_or_404(get_user_model(), pk=user_id, memberships__project=project)
    if request.POST.get("action") == "remove":
        try:
            membership_remove(project=project, member=member, user=request.user)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{member} was removed from the project.")
        return redirect(f"{project.get_absolute_url()}#members")
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        raise Http404("Unknown role.")
    try:
        membership = membership_set(
            project=project, member=member, role=form.cleaned_data["role"], user=request.user
        )
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{member} is now {membership.get_role_display().lower()}.")
    return redirect(f"{project.get_absolute_url()}#members")


@login_required
@require_POST
def group_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers give a research group a role in the project."""
    project = project_or_404(request, slug)
    require(request.user, Action.MANAGE, project, MANAGERS_ONLY)
    form = GroupAddForm(request.POST)
    if form.is_valid():
        group = form.cleaned_data["group"]
        membership = group_membership_set(
            project=project, group=group, role=form.cleaned_data["role"], user=request.user
        )
        messages.success(
            request, f"The group {group} is now {membership.get_role_display().lower()}."
        )
    else:
        message_errors(request, form)
    return redirect(f"{project.get_absolute_url()}#groups")


@login_required
@require_POST
def group_update(request: HttpRequest, slug: str, group_id: int) -> HttpResponse:
    """Managers change a group's role in the project, or take the group out."""
    project = project_or_404(request, slug)
    require(request.user, Action.MANAGE, project, MANAGERS_ONLY)
    group = get_object_or_404(ResearchGroup, pk=group_id, project_memberships__project=project)
    if request.POST.get("action") == "remove":
        group_membership_remove(project=project, group=group, user=request.user)
        messages.success(request, f"The group {group} was removed from the project.")
        return redirect(f"{project.get_absolute_url()}#groups")
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        raise Http404("Unknown role.")
    membership = group_membership_set(
        project=project, group=group, role=form.cleaned_data["role"], user=request.user
    )
    messages.success(request, f"The group {group} is now {membership.get_role_display().lower()}.")
    return redirect(f"{project.get_absolute_url()}#groups")


@login_required
@require_POST
def project_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers move the project, with everything in it, to the trash."""
    project = project_or_404(request, slug)
    project_trash(project=project, user=request.user)
    moved_to_trash(request, project.name)
    return redirect("trash:list")
