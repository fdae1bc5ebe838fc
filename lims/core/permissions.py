"""The permission seam: who may see what, and who may do what.

Every view, API endpoint, search query, facet count, download and preview asks this module,
either through the ``visible_to(user)`` / ``editable_by(user)`` queryset methods (which build
their filters here) or through :func:`can` for one object. Nothing else decides access.

The rules:

* A **facility manager** (a staff user) sees and may do everything.
* A **project** is seen by its members, and by everybody its visibility admits: ``public``
  to anyone, ``internal`` to every signed-in facility user, ``private`` to members only.
* A **dataset** has its own visibility or, when left blank, inherits its project's. It is seen
  by the project's members and by everybody its effective visibility admits; so a public dataset
  can live in a private project.
* An **instrument file** and a **comment** are seen exactly when their dataset is.
* Members act by role: a *viewer* views and comments, a *contributor* also creates datasets and
  uploads files (and edits the datasets they created), a *manager* also edits everything in the
  project, manages members, changes visibility, deletes and re-extracts.
* :data:`SYSTEM` is the LIMS itself (a management command run by the facility's operators, a
  periodic task): it may do everything and is recorded as nobody.

Reads filter with ``visible_to``; writes are checked by the services, which call
:func:`require` and raise :class:`~django.core.exceptions.PermissionDenied` (a 403 in every view
and API endpoint, with nothing to repeat there).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q


class SystemActor:
    """The LIMS acting on its own behalf; see :data:`SYSTEM`."""

    pk = None
    id = None
    username = "system"
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = True
    is_superuser = True

    def __str__(self) -> str:
        return "the system"


#: Passed as the ``user`` of a service by management commands and periodic tasks.
SYSTEM = SystemActor()

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser | SystemActor


class Visibility(models.TextChoices):
    """Who may see a project or dataset, from the narrowest to the widest."""

    PRIVATE = "private", "Private (members only)"
    INTERNAL = "internal", "Internal (signed-in facility users)"
    PUBLIC = "public", "Public (anyone)"


class Role(models.TextChoices):
    """A member's role in a project, from the least to the most trusted."""

    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    MANAGER = "manager", "Manager"


class Action(enum.StrEnum):
    """What a user may try to do to an object."""

    VIEW = "view"
    COMMENT = "comment"
    CONTRIBUTE = "contribute"  # create datasets in a project, upload files into a dataset
    EDIT = "edit"  # change titles, descriptions, tags
    MANAGE = "manage"  # members, visibility, deletion, re-extraction


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.VIEW, Action.COMMENT}),
    Role.CONTRIBUTOR: frozenset({Action.VIEW, Action.COMMENT, Action.CONTRIBUTE}),
    Role.MANAGER: frozenset(Action),
}


def acting_user(user: AnyUser | None) -> Any:
    """The user to record as having done something (None for anonymous users and SYSTEM)."""
    if user is None or isinstance(user, SystemActor) or not user.is_authenticated:
        return None
    return user


def is_facility_manager(user: AnyUser | None) -> bool:
    """Facility managers are the active staff users (and superusers)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))
    )


def _is_signed_in(user: AnyUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def visible_levels(user: AnyUser | None) -> list[str]:
    """The visibility levels a user sees without being a member."""
    if _is_signed_in(user):
        return [Visibility.PUBLIC, Visibility.INTERNAL]
    return [Visibility.PUBLIC]


def _member_project_ids(user: AnyUser, roles: list[str] | None = None) -> models.QuerySet[Any]:
    membership = apps.get_model("projects", "Membership")
    memberships = membership.objects.filter(user_id=user.pk)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("project_id")


def project_filter(user: AnyUser | None, prefix: str = "") -> Q:
    """A ``Q`` selecting the projects ``user`` may see.

    ``prefix`` reaches the projects through a relation (``"dataset__project__"``).
    """
    if is_facility_manager(user):
        return Q()
    q = Q(**{f"{prefix}visibility__in": visible_levels(user)})
    if _is_signed_in(user):
        assert user is not None
        q |= Q(**{f"{prefix}id__in": _member_project_ids(user)})
    return q


def dataset_filter(user: AnyUser | None, prefix: str = "") -> Q:
    """A ``Q`` selecting the datasets ``user`` may see (``prefix`` as in :func:`project_filter`)."""
    if is_facility_manager(user):
        return Q()
    levels = visible_levels(user)
    q = Q(**{f"{prefix}visibility__in": levels}) | Q(
        **{f"{prefix}visibility": "", f"{prefix}project__visibility__in": levels}
    )
    if _is_signed_in(user):
        assert user is not None
        q |= Q(**{f"{prefix}project_id__in": _member_project_ids(user)})
    return q


def project_edit_filter(user: AnyUser | None, prefix: str = "") -> Q:
    """A ``Q`` selecting the projects whose contents ``user`` may change (contributor or more)."""
    if is_facility_manager(user):
        return Q()
    if not _is_signed_in(user):
        return Q(pk__in=[])
    assert user is not None
    roles = [Role.CONTRIBUTOR, Role.MANAGER]
    return Q(**{f"{prefix}id__in": _member_project_ids(user, roles)})


def role_in(user: AnyUser | None, project: Any) -> str | None:
    """The user's role in ``project``, or None; cached on the user object for one request."""
    if not _is_signed_in(user):
        return None
    assert user is not None
    cache: dict[int, str | None] = user.__dict__.setdefault("_lims_project_roles", {})
    if project.pk not in cache:
        membership = apps.get_model("projects", "Membership")
        cache[project.pk] = (
            membership.objects.filter(user_id=user.pk, project_id=project.pk)
            .values_list("role", flat=True)
            .first()
        )
    return cache[project.pk]


def forget_roles(user: AnyUser | None) -> None:
    """Drop the per-request role cache (after membership changes)."""
    if user is not None:
        user.__dict__.pop("_lims_project_roles", None)


def _project_of(obj: Any) -> Any:
    label = obj._meta.label_lower
    if label == "projects.project":
        return obj
    if label == "datasets.dataset":
        return obj.project
    if label == "files.instrumentfile":
        return obj.dataset.project
    if label == "comments.comment":
        return _project_of(obj.target)
    raise TypeError(f"No access rules for {obj._meta.label}")


def _effective_visibility(obj: Any) -> str:
    label = obj._meta.label_lower
    if label == "projects.project":
        return obj.visibility
    if label == "datasets.dataset":
        return obj.visibility or obj.project.visibility
    if label == "files.instrumentfile":
        return _effective_visibility(obj.dataset)
    if label == "comments.comment":
        return _effective_visibility(obj.target)
    raise TypeError(f"No access rules for {obj._meta.label}")


def can(user: AnyUser | None, action: Action | str, obj: Any) -> bool:
    """May ``user`` do ``action`` on ``obj`` (a project, dataset, instrument file or comment)?"""
    action = Action(action)
    if is_facility_manager(user):
        return True
    label = obj._meta.label_lower
    role = role_in(user, _project_of(obj))
    if label == "comments.comment":
        return _can_on_comment(user, action, obj, role)
    if action is Action.VIEW:
        return role is not None or _effective_visibility(obj) in visible_levels(user)
    if action is Action.COMMENT:
        return _is_signed_in(user) and can(user, Action.VIEW, obj)
    if role is None:
        return False
    if action is Action.EDIT and label == "datasets.dataset" and role == Role.CONTRIBUTOR:
        return obj.created_by_id == getattr(user, "pk", None)
    return action in ROLE_ACTIONS[role]


def require(user: AnyUser | None, action: Action | str, obj: Any, message: str) -> None:
    """Raise PermissionDenied(``message``) unless ``user`` may do ``action`` on ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(message)


def _can_on_comment(user: AnyUser | None, action: Action, comment: Any, role: str | None) -> bool:
    if action is Action.VIEW:
        return can(user, Action.VIEW, comment.target)
    is_author = _is_signed_in(user) and comment.author_id == getattr(user, "pk", None)
    if action is Action.EDIT:
        return is_author
    if action is Action.MANAGE:  # deleting: the author, or a project manager moderating
        return is_author or role == Role.MANAGER
    return False
