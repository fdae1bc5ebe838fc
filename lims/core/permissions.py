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
* An **instrument file** and a **comment** are seen exactly when their dataset is; so is a
  file's **search index entry** (and its counts and facet values), and a **vendor key** offered
  by the search box's typeahead is seen when a dataset it occurs in is.
* Members act by role: a *viewer* views and comments, a *contributor* also creates datasets and
  uploads files (and edits the datasets they created), a *manager* also edits everything in the
  project, manages members, changes visibility, deletes and re-extracts.
* A **research group** can be a member of a project with a role: its members hold that role
  there. A person's role is the highest of their own and their groups' roles.
* A **share link** admits whoever holds it (signed in or not) to one dataset and its files,
  read-only: it never shows the project, other datasets, or the comments, and it carries no
  role. The holder's :class:`ShareGrant` rides on the user object of the pages that accept
  share links (see ``lims.web.sharing``); it is re-read from the database on every request,
  so an expired or revoked link stops working at once.
* Nothing in the **trash** is seen by anyone, facility managers included: a project, dataset or
  file that was deleted, or whose dataset or project was, is outside every ``visible_to``
  filter and every action but ``manage`` (which restores it). The trash pages list it
  with the ``*_live`` filters negated.
* An **inactive** (deactivated) user is nobody: they see what anonymous users see.
* :data:`SYSTEM` is the LIMS itself (a management command run by the facility's operators, a
  periodic task): it may do everything and is recorded as nobody.

Every filter here is one ``Q`` over the database (memberships and group memberships enter as
subqueries), so a ``visible_to`` list stays one SQL query however many rows it returns. The
module is longer than most on purpose: every rule of access stays in this one place.
Reads filter with ``visible_to``; writes are checked by the services, which call
:func:`require` and raise :class:`~django.core.exceptions.PermissionDenied` (a 403 in every view
and API endpoint, with nothing to repeat there).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
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


#: Roles by trust: when a person holds several in a project, the highest counts.
ROLE_RANK = {Role.VIEWER: 1, Role.CONTRIBUTOR: 2, Role.MANAGER: 3}


class Action(enum.StrEnum):
    """What a user may try to do to an object."""

    VIEW = "view"
    COMMENT = "comment"
    CONTRIBUTE = "contribute"  # create datasets in a project, upload files into a dataset
    EDIT = "edit"  # change titles, descriptions, tags
    MANAGE = "manage"  # members, visibility, deletion and restoring, re-extraction, share links


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.VIEW, Action.COMMENT}),
    Role.CONTRIBUTOR: frozenset({Action.VIEW, Action.COMMENT, Action.CONTRIBUTE}),
    Role.MANAGER: frozenset(Action),
}


@dataclass(frozen=True)
class ShareGrant:
    """What the share links a visitor holds admit them to: whole datasets, read-only.

    ``link_ids`` are the links themselves (recorded with what their holder downloads). A link
    to a saved search would add the files it found (``file_ids``) beside the datasets.
    """

    dataset_ids: frozenset[int] = frozenset()
    link_ids: frozenset[int] = frozenset()


GRANT_ATTRIBUTE = "lims_share_grant"


def share_grant_attach(user: Any, grant: ShareGrant) -> None:
    """Let ``user`` (anonymous or signed in) see what ``grant`` admits, for this request."""
    setattr(user, GRANT_ATTRIBUTE, grant)


def share_grant(user: AnyUser | None) -> ShareGrant | None:
    """The share links' grant carried by ``user`` on this request, if any."""
    return getattr(user, GRANT_ATTRIBUTE, None)


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


# --- The trash ---------------------------------------------------------------------------------


def project_live(prefix: str = "") -> Q:
    """A ``Q`` selecting projects that are not in the trash."""
    return Q(**{f"{prefix}deleted_at__isnull": True})


def dataset_live(prefix: str = "") -> Q:
    """A ``Q`` selecting datasets that are not in the trash, nor is their project."""
    return Q(**{f"{prefix}deleted_at__isnull": True}) & project_live(f"{prefix}project__")


def file_live(prefix: str = "") -> Q:
    """A ``Q`` selecting files that are not in the trash, nor is their dataset or project."""
    return Q(**{f"{prefix}deleted_at__isnull": True}) & dataset_live(f"{prefix}dataset__")


def in_trash(obj: Any) -> bool:
    """Is ``obj`` (a project, dataset, file or comment) in the trash, itself or by an ancestor?"""
    label = obj._meta.label_lower
    if label == "comments.comment":
        return in_trash(obj.target)
    if getattr(obj, "deleted_at", None) is not None:
        return True
    if label == "datasets.dataset":
        return in_trash(obj.project)
    if label == "files.instrumentfile":
        return in_trash(obj.dataset)
    return False


# --- Membership --------------------------------------------------------------------------------


def member_filter(user: AnyUser | None, field: str = "id", roles: list[str] | None = None) -> Q:
    """A ``Q`` selecting rows whose project (``field``: ``"id"`` on projects, ``"project_id"``
    on datasets…) has ``user`` as a member, in person or through a research group, holding
    one of ``roles`` (any role when None)."""
    if not _is_signed_in(user):
        return Q(pk__in=[])
    assert user is not None
    direct = apps.get_model("projects", "Membership").objects.filter(user_id=user.pk)
    via_group = apps.get_model("projects", "GroupMembership").objects.filter(
        group__members__id=user.pk
    )
    if roles is not None:
        direct, via_group = direct.filter(role__in=roles), via_group.filter(role__in=roles)
    return Q(**{f"{field}__in": direct.values("project_id")}) | Q(
        **{f"{field}__in": via_group.values("project_id")}
    )


def project_filter(user: AnyUser | None, prefix: str = "") -> Q:
    """A ``Q`` selecting the projects ``user`` may see.

    ``prefix`` reaches the projects through a relation (``"dataset__project__"``).
    """
    live = project_live(prefix)
    if is_facility_manager(user):
        return live
    return live & (
        Q(**{f"{prefix}visibility__in": visible_levels(user)}) | member_filter(user, f"{prefix}id")
    )


def dataset_filter(user: AnyUser | None, prefix: str = "", *, shared: bool = True) -> Q:
    """A ``Q`` selecting the datasets ``user`` may see (``prefix`` as in :func:`project_filter`).

    ``shared=False`` leaves out what only a share link admits (comments are not shared).
    """
    live = dataset_live(prefix)
    if is_facility_manager(user):
        return live
    levels = visible_levels(user)
    seen = (
        Q(**{f"{prefix}visibility__in": levels})
        | Q(**{f"{prefix}visibility": "", f"{prefix}project__visibility__in": levels})
        | member_filter(user, f"{prefix}project_id")
    )
    grant = share_grant(user)
    if shared and grant is not None and grant.dataset_ids:
        seen |= Q(**{f"{prefix}id__in": sorted(grant.dataset_ids)})
    return live & seen


def file_filter(user: AnyUser | None, prefix: str = "", *, shared: bool = True) -> Q:
    """A ``Q`` selecting the instrument files ``user`` may see (those of visible datasets)."""
    return Q(**{f"{prefix}deleted_at__isnull": True}) & dataset_filter(
        user, f"{prefix}dataset__", shared=shared
    )


def search_entry_datasets(user: AnyUser | None) -> models.QuerySet[Any] | None:
    """The datasets whose live search index entries ``user`` may see, or None when that is
    every dataset (a facility manager). :func:`search_entry_filter` says it as a ``Q``; the
    in-memory facet matrix (``lims.search.matrix``) reads these ids into a mask."""
    if is_facility_manager(user):
        return None
    return apps.get_model("datasets", "Dataset").objects.filter(dataset_filter(user))


def search_access_key(user: AnyUser | None) -> tuple[Any, ...]:
    """Everything :func:`search_entry_datasets` reads of ``user``: two people with the same key
    see the same datasets (until a membership, a visibility or the trash changes), so the facet
    matrix keeps the datasets it answered under this key. A rule here that reads another
    attribute of the person must add it."""
    grant = share_grant(user)
    return (
        getattr(user, "pk", None),
        bool(user is not None and user.is_authenticated),
        bool(getattr(user, "is_active", False)),
        bool(getattr(user, "is_staff", False)),
        bool(getattr(user, "is_superuser", False)),
        tuple(sorted(grant.dataset_ids)) if grant is not None else (),
    )


def search_entry_filter(user: AnyUser | None) -> Q:
    """A ``Q`` selecting the search index entries ``user`` may see: those of live files (the
    entry's ``live``: neither the file nor its dataset or project is in the trash) in datasets
    they may see (:func:`search_entry_datasets`). For a facility manager it is ``live`` alone,
    which keeps a search over a million files one scan of one table."""
    live = Q(live=True)
    datasets = search_entry_datasets(user)
    if datasets is None:
        return live
    return live & Q(dataset_id__in=datasets.values("id"))


def search_key_filter(user: AnyUser | None) -> Q:
    """A ``Q`` selecting the vendor keys (of the search typeahead) of datasets ``user`` sees."""
    datasets = apps.get_model("datasets", "Dataset").objects.filter(dataset_filter(user))
    return Q(dataset_id__in=datasets.values("id"))


def project_edit_filter(user: AnyUser | None, prefix: str = "") -> Q:
    """A ``Q`` selecting the projects whose contents ``user`` may change (contributor or more)."""
    live = project_live(prefix)
    if is_facility_manager(user):
        return live
    return live & member_filter(user, f"{prefix}id", [Role.CONTRIBUTOR, Role.MANAGER])


def project_manage_filter(user: AnyUser | None, prefix: str = "") -> Q:
    """A ``Q`` selecting the projects ``user`` manages, in the trash or not (for the trash)."""
    if is_facility_manager(user):
        return Q()
    return member_filter(user, f"{prefix}id", [Role.MANAGER])


def role_in(user: AnyUser | None, project: Any) -> str | None:
    """The user's role in ``project`` (the highest of their own and their groups'), or None.

    Cached on the user object for one request: one query per project.
    """
    if not _is_signed_in(user):
        return None
    assert user is not None
    cache: dict[int, str | None] = user.__dict__.setdefault("_lims_project_roles", {})
    if project.pk not in cache:
        direct = apps.get_model("projects", "Membership").objects.filter(
            user_id=user.pk, project_id=project.pk
        )
        via_group = apps.get_model("projects", "GroupMembership").objects.filter(
            group__members__id=user.pk, project_id=project.pk
        )
        roles = set(
            direct.order_by()
            .values_list("role", flat=True)
            .union(via_group.order_by().values_list("role", flat=True))
        )
        cache[project.pk] = max(roles, key=lambda role: ROLE_RANK[Role(role)]) if roles else None
    return cache[project.pk]


def roles_by_project(user: AnyUser | None) -> dict[int, str]:
    """``{project id: role}`` of every project ``user`` is a member of, in person or through a
    group (the highest role where both), in one query."""
    if not _is_signed_in(user):
        return {}
    assert user is not None
    direct = apps.get_model("projects", "Membership").objects.filter(user_id=user.pk)
    via_group = apps.get_model("projects", "GroupMembership").objects.filter(
        group__members__id=user.pk
    )
    roles: dict[int, str] = {}
    for project_id, role in (
        direct.order_by()
        .values_list("project_id", "role")
        .union(via_group.order_by().values_list("project_id", "role"))
    ):
        if project_id not in roles or ROLE_RANK[Role(role)] > ROLE_RANK[Role(roles[project_id])]:
            roles[project_id] = role
    return roles


def forget_roles(user: AnyUser | None) -> None:
    """Drop the per-request role cache (after membership changes)."""
    if user is not None:
        user.__dict__.pop("_lims_project_roles", None)


def project_of(obj: Any) -> Any:
    """The project a project, dataset, instrument file or comment belongs to."""
    label = obj._meta.label_lower
    if label == "projects.project":
        return obj
    if label == "datasets.dataset":
        return obj.project
    if label == "files.instrumentfile":
        return obj.dataset.project
    if label == "comments.comment":
        return project_of(obj.target)
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


def _is_shared(user: AnyUser | None, obj: Any) -> bool:
    """Does a share link held by ``user`` admit them to ``obj`` (a dataset or file)?"""
    grant = share_grant(user)
    if grant is None:
        return False
    label = obj._meta.label_lower
    if label == "datasets.dataset":
        return obj.pk in grant.dataset_ids
    if label == "files.instrumentfile":
        return obj.dataset_id in grant.dataset_ids
    return False


def only_shared(user: AnyUser | None, obj: Any) -> bool:
    """Is ``user`` admitted to ``obj`` (a dataset or file) by a share link alone?"""
    if not _is_shared(user, obj) or is_facility_manager(user):
        return False
    return not _sees(user, obj, role_in(user, project_of(obj)))


def _sees(user: AnyUser | None, obj: Any, role: str | None) -> bool:
    """Seen by role or visibility, share links aside."""
    return role is not None or _effective_visibility(obj) in visible_levels(user)


def can(user: AnyUser | None, action: Action | str, obj: Any) -> bool:
    """May ``user`` do ``action`` on ``obj`` (a project, dataset, instrument file or comment)?"""
    action = Action(action)
    if action is not Action.MANAGE and in_trash(obj):
        return False
    if is_facility_manager(user):
        return True
    label = obj._meta.label_lower
    role = role_in(user, project_of(obj))
    if label == "comments.comment":
        return _can_on_comment(user, action, obj, role)
    if action is Action.VIEW:
        return _sees(user, obj, role) or _is_shared(user, obj)
    if action is Action.COMMENT:
        return _is_signed_in(user) and _sees(user, obj, role)
    if role is None:
        return False
    if action is Action.EDIT and label == "datasets.dataset" and role == Role.CONTRIBUTOR:
        return obj.created_by_id == getattr(user, "pk", None)
    return action in ROLE_ACTIONS[role]


def require(user: AnyUser | None, action: Action | str, obj: Any, message: str) -> None:
    """Raise PermissionDenied(``message``) unless ``user`` may do ``action`` on ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(message)


def require_facility_manager(user: AnyUser | None, message: str) -> None:
    """Raise PermissionDenied(``message``) unless ``user`` is a facility manager (or SYSTEM)."""
    if not is_facility_manager(user):
        raise PermissionDenied(message)


def _can_on_comment(user: AnyUser | None, action: Action, comment: Any, role: str | None) -> bool:
    if action is Action.VIEW:  # share links do not show the conversation
        return _sees(user, comment.target, role)
    is_author = _is_signed_in(user) and comment.author_id == getattr(user, "pk", None)
    if action is Action.EDIT:
        return is_author
    if action is Action.MANAGE:  # deleting: the author, or a project manager moderating
        return is_author or role == Role.MANAGER
    return False
