"""Writes to projects and memberships."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from lims.accounts.models import User
from lims.core.permissions import Role, Visibility, forget_roles
from lims.projects.models import Membership, Project


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "project"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def project_create(
    *,
    name: str,
    created_by: User,
    description: str = "",
    visibility: str = Visibility.PRIVATE,
    slug: str | None = None,
) -> Project:
    """Create a project; its creator becomes its first manager."""
    project = Project.objects.create(
        name=name,
        slug=slug or _unique_slug(name),
        description=description,
        visibility=Visibility(visibility),
        created_by=created_by,
    )
    Membership.objects.create(project=project, user=created_by, role=Role.MANAGER)
    forget_roles(created_by)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    name: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> Project:
    """Change the given fields of a project; ``None`` leaves a field as it is.

    The slug stays: it is in every link people have saved.
    """
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description
    if visibility is not None:
        project.visibility = Visibility(visibility)
    project.full_clean(exclude=["created_by", "slug"])
    project.save()
    return project


def _is_last_manager(project: Project, user: User) -> bool:
    return not project.memberships.filter(role=Role.MANAGER).exclude(user=user).exists()


@transaction.atomic
def membership_set(*, project: Project, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``project``, adding or changing their membership.

    The last manager cannot step down: appoint another manager first.
    """
    current = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if (
        current is not None
        and current.role == Role.MANAGER
        and role != Role.MANAGER
        and _is_last_manager(project, user)
    ):
        raise ValueError("A project needs at least one manager; appoint another one first.")
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": Role(role)}
    )
    forget_roles(user)
    return membership


@transaction.atomic
def membership_remove(*, project: Project, user: User) -> None:
    """Take ``user`` out of ``project``; the last manager cannot be removed."""
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None:
        return
    if membership.role == Role.MANAGER and _is_last_manager(project, user):
        raise ValueError("A project needs at least one manager; appoint another one first.")
    membership.delete()
    forget_roles(user)
