"""The pages that accept share links, and how a browser holds its links.

Opening a share link (``/share/<key>/``) puts the link's id into the browser's session. The
pages a link shows (the dataset page, its files' pages, previews and downloads) are wrapped
with :func:`share_links_admitted`: on each request it turns the session's links into a
:class:`~lims.core.permissions.ShareGrant` (one query; revoked and expired links drop out) and
hands it to the permission seam on the request's user. Every other page ignores share links,
so a holder sees nothing else there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from lims.core.permissions import Action, can, share_grant_attach
from lims.sharing.services import share_grant_for

SESSION_KEY = "lims_share_links"


def session_links(request: HttpRequest) -> list[int]:
    """The ids of the share links this browser opened."""
    return [int(pk) for pk in request.session.get(SESSION_KEY, [])]


def session_link_add(request: HttpRequest, link_id: int) -> bool:
    """Remember that this browser opened link ``link_id``; False when it already had."""
    held = session_links(request)
    if link_id in held:
        return False
    request.session[SESSION_KEY] = [*held, link_id]
    return True


def share_links_admitted(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let the share links this browser holds admit it to ``view``'s dataset or file."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        held = session_links(request)
        if held:
            grant = share_grant_for(held)
            if grant.link_ids != frozenset(held):
                request.session[SESSION_KEY] = sorted(grant.link_ids)
            share_grant_attach(request.user, grant)
        return view(request, *args, **kwargs)

    return wrapper


def shown_project(request: HttpRequest, dataset: Any) -> Any:
    """The project of ``dataset`` when the user may see it, else None: a public dataset of a
    private project, or one seen through a share link, does not name its project."""
    project = dataset.project
    return project if can(request.user, Action.VIEW, project) else None
