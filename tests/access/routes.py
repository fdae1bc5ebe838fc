"""Every URL and API endpoint with the exact status each persona gets.

One :class:`Route` per URL name and method. ``expect`` lists the statuses in the order of
:data:`~tests.access.world.PERSONAS`:

    anonymous, outsider, viewer, contributor, manager, facility_manager, group_member,
    deactivated, share_holder

The personas are those of ``tests/conftest.py``: a private project ``graphene`` with its
members (``group_member`` is a contributor through a research group; ``deactivated`` was a
manager), an outsider, a facility manager, and an anonymous visitor who opened a share link to
the project's dataset. On the web pages people sign in with a session; on the API with a token
(the share holder's browser session carries its link to the API too, where it admits to
nothing). Writes are made and rolled back for each persona, so each starts from the same world.

A URL added to the LIMS must be added here (``test_every_url_is_in_the_matrix``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.access.world import INVITATION_KEY, SHARE_KEY, World

#: URL names the matrix does not probe, and why.
NOT_PROBED = {
    "api:api-root": "the browsable API's index: links only",
    "api-legacy:api-root": "the browsable API's index: links only",
}
#: The unversioned ``/api/`` aliases are the ``/api/v1/`` views: probed as those (and one here).
ALIASES = {"api-legacy:": "api:"}
#: URL prefixes outside the matrix: Django's admin has its own staff checks and tests.
PREFIXES_NOT_PROBED = ("admin/", "oidc/")


@dataclass(frozen=True)
class Route:
    """One URL name and method, how to call it, and what each persona gets."""

    name: str
    method: str
    path: Callable[[World], str]
    expect: tuple[int, ...]
    data: Callable[[World], Any] | None = None
    format: str | None = None  # "json" for the API's JSON bodies; else form-encoded
    headers: dict[str, str] = field(default_factory=dict)
    api: bool = False  # signed in with a token (else with a session)
    holds_link: bool = False  # the request makes its persona a share-link holder
    # Markers its answers may show to anyone who asks (what a key in the URL admits to).
    admits: Callable[[World], set[str]] | None = None
    label: str = ""  # tells apart routes of one URL and method (other query parameters)

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}{f' ({self.label})' if self.label else ''}"


def web(name: str, method: str, path: Callable[[World], str], expect: tuple[int, ...], **kw: Any):
    return Route(name, method, path, expect, **kw)


def api(name: str, method: str, path: Callable[[World], str], expect: tuple[int, ...], **kw: Any):
    return Route(name, method, path, expect, api=True, **kw)


def _dataset(w: World) -> str:
    return str(w.dataset.uid)


def _file(w: World) -> str:
    return str(w.file.uid)


CHUNK = b"c" * 1024
#: In ``expect``: any status the URL gives, as long as every persona gets the same one.
SAME = 0

ROUTES: list[Route] = [
    # --- Open to everybody ---------------------------------------------------------------
    # anon, outsider, viewer, contrib, manager, facility, group, deactivated, share
    web("home", "GET", lambda w: "/", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    web("search", "GET", lambda w: "/search/?q=7a1", (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    web("health-live", "GET", lambda w: "/health/live", (200,) * 9),
    web(
        "health-ready",
        "GET",
        lambda w: "/health/ready",
        (503, 503, 503, 503, 503, 503, 503, 503, 503),
    ),
    web("health", "GET", lambda w: "/healthz", (503, 503, 503, 503, 503, 503, 503, 503, 503)),
    web("metrics", "GET", lambda w: "/metrics", (200,) * 9),
    web(
        "login", "GET", lambda w: "/accounts/login/", (200, 302, 302, 302, 302, 302, 302, 200, 200)
    ),
    web(
        "logout",
        "POST",
        lambda w: "/accounts/logout/",
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    ),
    # Whoever opens the link holds it: they are sent to its dataset.
    web("share-open", "GET", lambda w: f"/share/{SHARE_KEY}/", (302,) * 9, holds_link=True),
    web("instruments:list", "GET", lambda w: "/instruments/", (200,) * 9),
    web("instruments:detail", "GET", lambda w: f"/instruments/{w.instrument.pk}/", (200,) * 9),
    web("api:schema", "GET", lambda w: "/api/v1/schema/", (200,) * 9),
    web("api:docs", "GET", lambda w: "/api/v1/docs/", (200,) * 9),
    web("api:redoc", "GET", lambda w: "/api/v1/redoc/", (200,) * 9),
    # --- Accounts ------------------------------------------------------------------------
    web("account", "GET", lambda w: "/accounts/", (302, 200, 200, 200, 200, 200, 200, 302, 302)),
    web(
        "password_change",
        "GET",
        lambda w: "/accounts/password/",
        (302, 200, 200, 200, 200, 200, 200, 302, 302),
    ),
    web(
        "password_change_done",
        "GET",
        lambda w: "/accounts/password/done/",
        (302, 200, 200, 200, 200, 200, 200, 302, 302),
    ),
    # --- Projects ------------------------------------------------------------------------
    web("projects:list", "GET", lambda w: "/projects/", (200,) * 9),
    web(
        "projects:create",
        "GET",
        lambda w: "/projects/new/",
        (302, 200, 200, 200, 200, 200, 200, 302, 302),
    ),
    web(
        "projects:create",
        "POST",
        lambda w: "/projects/new/",
        (302,) * 9,
        data=lambda w: {"name": "Made in the matrix", "visibility": "private"},
    ),
    web(
        "projects:detail",
        "GET",
        lambda w: "/projects/graphene/",
        (404, 404, 200, 200, 200, 200, 200, 404, 404),
    ),
    web(
        "projects:edit",
        "GET",
        lambda w: "/projects/graphene/edit/",
        (302, 404, 403, 403, 200, 200, 403, 302, 302),
    ),
    web(
        "projects:edit",
        "POST",
        lambda w: "/projects/graphene/edit/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
        data=lambda w: {"name": "Renamed", "visibility": "public"},
    ),
    web(
        "projects:member-add",
        "POST",
        lambda w: "/projects/graphene/members/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
        data=lambda w: {"username": "paula", "role": "viewer"},
    ),
    web(
        "projects:member-update",
        "POST",
        lambda w: f"/projects/graphene/members/{w.viewer.pk}/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
        data=lambda w: {"role": "contributor"},
    ),
    web(
        "projects:group-add",
        "POST",
        lambda w: "/projects/graphene/groups/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
        data=lambda w: {"group": w.group.pk, "role": "viewer"},
    ),
    web(
        "projects:group-update",
        "POST",
        lambda w: f"/projects/graphene/groups/{w.group.pk}/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
        data=lambda w: {"role": "viewer"},
    ),
    web(
        "projects:delete",
        "POST",
        lambda w: "/projects/graphene/delete/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
    ),
    web(
        "projects:audit",
        "GET",
        lambda w: "/projects/graphene/audit/",
        (302, 404, 403, 403, 200, 200, 403, 302, 302),
    ),
    # --- Datasets ------------------------------------------------------------------------
    web(
        "datasets:create",
        "GET",
        lambda w: "/datasets/new/in/graphene/",
        (302, 404, 403, 200, 200, 200, 200, 302, 302),
    ),
    web(
        "datasets:create",
        "POST",
        lambda w: "/datasets/new/in/graphene/",
        (302, 404, 403, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"title": "Made in the matrix"},
    ),
    web(
        "datasets:detail",
        "GET",
        lambda w: f"/datasets/{_dataset(w)}/",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "datasets:edit",
        "GET",
        lambda w: f"/datasets/{_dataset(w)}/edit/",
        (302, 404, 403, 200, 200, 200, 403, 302, 302),
    ),
    web(
        "datasets:edit",
        "POST",
        lambda w: f"/datasets/{_dataset(w)}/edit/",
        (302, 404, 403, 302, 302, 302, 403, 302, 302),
        data=lambda w: {"title": "Renamed in the matrix"},
    ),
    web(
        "datasets:upload",
        "POST",
        lambda w: f"/datasets/{_dataset(w)}/upload/",
        (302, 404, 403, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"files": _upload("matrix.dm3")},
    ),
    web(
        "datasets:reextract",
        "POST",
        lambda w: f"/datasets/{_dataset(w)}/reextract/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
    ),
    web(
        "datasets:delete",
        "POST",
        lambda w: f"/datasets/{_dataset(w)}/delete/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
    ),
    web(
        "datasets:share",
        "POST",
        lambda w: f"/datasets/{_dataset(w)}/share/",
        (302, 404, 403, 403, 200, 200, 403, 302, 302),
        data=lambda w: {"label": "Reviewer 3", "days": 7},
    ),
    web(
        "datasets:share-revoke",
        "POST",
        lambda w: f"/datasets/{_dataset(w)}/share/{w.share_link.pk}/revoke/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
    ),
    # --- Files ---------------------------------------------------------------------------
    web(
        "files:detail",
        "GET",
        lambda w: f"/files/{_file(w)}/",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:status",
        "GET",
        lambda w: f"/files/{_file(w)}/status/",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:compare",
        "GET",
        lambda w: f"/files/{_file(w)}/compare/?with={w.sibling_file.uid}",
        (404, 404, 200, 200, 200, 200, 200, 404, 404),
    ),
    web(
        "files:reextract",
        "POST",
        lambda w: f"/files/{_file(w)}/reextract/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
    ),
    web(
        "files:delete",
        "POST",
        lambda w: f"/files/{_file(w)}/delete/",
        (302, 404, 403, 403, 302, 302, 403, 302, 302),
    ),
    web(
        "files:spectrum",
        "GET",
        lambda w: f"/files/{_file(w)}/signals/0/spectrum.json",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:download",
        "GET",
        lambda w: f"/files/{_file(w)}/download/",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:companion-download",
        "GET",
        lambda w: f"/files/{_file(w)}/companions/{w.companion.pk}/download/",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:preview",
        "GET",
        lambda w: f"/files/{_file(w)}/preview.png",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:thumbnail",
        "GET",
        lambda w: f"/files/{_file(w)}/thumbnail.png",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:signal-preview",
        "GET",
        lambda w: f"/files/{_file(w)}/signals/0/preview.png",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
    ),
    web(
        "files:instrument",
        "POST",
        lambda w: f"/files/{_file(w)}/instrument/",
        (302, 404, 403, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"instrument": w.instrument.pk},
    ),
    # --- Comments ------------------------------------------------------------------------
    web(
        "comments:on-dataset",
        "POST",
        lambda w: f"/comments/on/dataset/{_dataset(w)}/",
        (302, 404, 302, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"body": "From the matrix"},
    ),
    web(
        "comments:on-file",
        "POST",
        lambda w: f"/comments/on/file/{_file(w)}/",
        (302, 404, 302, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"body": "From the matrix"},
    ),
    web(
        "comments:edit",
        "GET",
        lambda w: f"/comments/{w.comment.pk}/edit/",
        (302, 404, 200, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "comments:edit",
        "POST",
        lambda w: f"/comments/{w.comment.pk}/edit/",
        (302, 404, 302, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"body": "Edited in the matrix"},
    ),
    web(
        "comments:delete",
        "POST",
        lambda w: f"/comments/{w.comment.pk}/delete/",
        (302, 404, 302, 403, 302, 302, 403, 302, 302),
    ),
    # --- The trash -----------------------------------------------------------------------
    web("trash:list", "GET", lambda w: "/trash/", (302, 200, 200, 200, 200, 200, 200, 302, 302)),
    web(
        "trash:restore-project",
        "POST",
        lambda w: "/trash/projects/trashed-project/restore/",
        (302, 404, 404, 404, 302, 302, 404, 302, 302),
    ),
    web(
        "trash:restore-dataset",
        "POST",
        lambda w: f"/trash/datasets/{w.trashed_dataset.uid}/restore/",
        (302, 404, 404, 404, 302, 302, 404, 302, 302),
    ),
    web(
        "trash:restore-file",
        "POST",
        lambda w: f"/trash/files/{w.trashed_file.uid}/restore/",
        (302, 404, 404, 404, 302, 302, 404, 302, 302),
    ),
    # --- The facility's pages ------------------------------------------------------------
    web(
        "manage:dashboard",
        "GET",
        lambda w: "/facility/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:projects",
        "GET",
        lambda w: "/facility/projects/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:people",
        "GET",
        lambda w: "/facility/people/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:person-create",
        "GET",
        lambda w: "/facility/people/new/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:person-create",
        "POST",
        lambda w: "/facility/people/new/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"username": "newcomer", "email": "new@example.org"},
    ),
    web(
        "manage:person",
        "GET",
        lambda w: f"/facility/people/{w.person.pk}/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:person-activation",
        "POST",
        lambda w: f"/facility/people/{w.person.pk}/activation/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"action": "deactivate"},
    ),
    web(
        "manage:person-transfer",
        "POST",
        lambda w: f"/facility/people/{w.manager.pk}/transfer/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"to_user": w.person.pk},
    ),
    web(
        "manage:person-token-revoke",
        "POST",
        lambda w: f"/facility/people/{w.contributor.pk}/tokens/{w.token.pk}/revoke/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
    ),
    web(
        "manage:groups",
        "GET",
        lambda w: "/facility/groups/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:groups",
        "POST",
        lambda w: "/facility/groups/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"name": "Matrix group"},
    ),
    web(
        "manage:group",
        "GET",
        lambda w: "/facility/groups/electron-lab/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:group-members",
        "POST",
        lambda w: "/facility/groups/electron-lab/members/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
        data=lambda w: {"username": "paula"},
    ),
    web(
        "manage:group-delete",
        "POST",
        lambda w: "/facility/groups/electron-lab/delete/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
    ),
    web(
        "manage:audit",
        "GET",
        lambda w: "/facility/audit/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:failed",
        "GET",
        lambda w: "/facility/failed/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:operations",
        "GET",
        lambda w: "/facility/operations/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    web(
        "manage:fixity",
        "GET",
        lambda w: "/facility/fixity/",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
    ),
    # --- The API -------------------------------------------------------------------------
    api(
        "api:project-list",
        "GET",
        lambda w: "/api/v1/projects/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:project-detail",
        "GET",
        lambda w: "/api/v1/projects/graphene/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:dataset-list",
        "GET",
        lambda w: "/api/v1/datasets/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:dataset-list",
        "POST",
        lambda w: "/api/v1/datasets/",
        (401, 404, 403, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"project": "graphene", "title": "Made in the matrix"},
        format="json",
    ),
    api(
        "api:dataset-detail",
        "GET",
        lambda w: f"/api/v1/datasets/{_dataset(w)}/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:dataset-detail",
        "PUT",
        lambda w: f"/api/v1/datasets/{_dataset(w)}/",
        (401, 404, 403, 200, 200, 200, 403, 401, 401),
        data=lambda w: {"title": "Renamed in the matrix"},
        format="json",
    ),
    api(
        "api:dataset-detail",
        "PATCH",
        lambda w: f"/api/v1/datasets/{_dataset(w)}/",
        (401, 404, 403, 403, 200, 200, 403, 401, 401),
        data=lambda w: {"visibility": "public"},
        format="json",
    ),
    api(
        "api:dataset-reextract",
        "POST",
        lambda w: f"/api/v1/datasets/{_dataset(w)}/reextract/",
        (401, 404, 403, 403, 202, 202, 403, 401, 401),
    ),
    api(
        "api:file-list",
        "GET",
        lambda w: "/api/v1/files/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:file-list",
        "POST",
        lambda w: "/api/v1/files/",
        (401, 404, 403, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"dataset": _dataset(w), "file": _upload("matrix.dm3")},
    ),
    api(
        "api:file-detail",
        "GET",
        lambda w: f"/api/v1/files/{_file(w)}/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:file-download",
        "GET",
        lambda w: f"/api/v1/files/{_file(w)}/download/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:file-original-metadata",
        "GET",
        lambda w: f"/api/v1/files/{_file(w)}/original-metadata/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:file-reextract",
        "POST",
        lambda w: f"/api/v1/files/{_file(w)}/reextract/",
        (401, 404, 403, 403, 202, 202, 403, 401, 401),
    ),
    api(
        "api:file-runs",
        "GET",
        lambda w: f"/api/v1/files/{_file(w)}/runs/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:upload-list",
        "POST",
        lambda w: "/api/v1/uploads/",
        (401, 404, 403, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"dataset": _dataset(w), "filename": "big.dm4", "size": 2048},
        format="json",
    ),
    api(
        "api:upload-detail",
        "GET",
        lambda w: f"/api/v1/uploads/{w.upload.uid}/",
        (401, 404, 404, 200, 404, 404, 404, 401, 401),
    ),
    api(
        "api:upload-detail",
        "PUT",
        lambda w: f"/api/v1/uploads/{w.upload.uid}/",
        (401, 404, 404, 200, 404, 404, 404, 401, 401),
        data=lambda w: CHUNK,
        headers={"HTTP_CONTENT_RANGE": "bytes 0-1023/2048"},
    ),
    api(
        "api:upload-detail",
        "PATCH",
        lambda w: f"/api/v1/uploads/{w.upload.uid}/",
        (401, 404, 404, 200, 404, 404, 404, 401, 401),
        data=lambda w: CHUNK,
        headers={"HTTP_CONTENT_RANGE": "bytes 0-1023/2048"},
    ),
    api(
        "api:upload-detail",
        "DELETE",
        lambda w: f"/api/v1/uploads/{w.upload.uid}/",
        (401, 404, 404, 204, 404, 404, 404, 401, 401),
    ),
    api(
        "api:upload-complete",
        "POST",
        lambda w: f"/api/v1/uploads/{w.upload.uid}/complete/",
        (401, 404, 404, 409, 404, 404, 404, 401, 401),
    ),
    api("api:me", "GET", lambda w: "/api/v1/me/", (401, 200, 200, 200, 200, 200, 200, 401, 401)),
    api(
        "api:token-list",
        "GET",
        lambda w: "/api/v1/tokens/",
        (401, 200, 200, 200, 200, 200, 200, 401, 401),
    ),
    api(
        "api:token-list",
        "POST",
        lambda w: "/api/v1/tokens/",
        (401, 201, 201, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"name": "Matrix PC"},
        format="json",
    ),
    # A token is revoked by its owner (the contributor) or a facility manager.
    api(
        "api:token-detail",
        "DELETE",
        lambda w: f"/api/v1/tokens/{w.token.pk}/",
        (401, 404, 404, 204, 404, 204, 404, 401, 401),
    ),
    # The unversioned aliases answer as /api/v1/ does (marked deprecated).
    api(
        "api-legacy:dataset-detail",
        "GET",
        lambda w: f"/api/datasets/{_dataset(w)}/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    # --- Search: exports, vendor keys, saved searches -------------------------------------
    web(
        "search:export",
        "GET",
        lambda w: "/search/export.csv?q=7a1",
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        label="CSV",
    ),
    web(
        "search:export",
        "GET",
        lambda w: "/search/export.json?q=dm3",
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        label="JSON lines",
    ),
    web(
        "search:keys",
        "GET",
        lambda w: "/search/keys/?prefix=Image",
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    web(
        "search:saved",
        "GET",
        lambda w: "/search/saved/",
        (302, 200, 200, 200, 200, 200, 200, 302, 302),
    ),
    web(
        "search:saved",
        "POST",
        lambda w: "/search/saved/",
        (302, 302, 302, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"q": "lattice", "name": "Matrix search"},
    ),
    web(
        "search:saved-open",
        "GET",
        lambda w: f"/search/saved/{w.saved_search.pk}/",
        (302, 404, 302, 404, 404, 404, 404, 302, 302),
    ),
    web(
        "search:saved-delete",
        "POST",
        lambda w: f"/search/saved/{w.saved_search.pk}/delete/",
        (302, 404, 302, 404, 404, 404, 404, 302, 302),
    ),
    api(
        "api:search",
        "GET",
        lambda w: "/api/v1/search/?q=7a1",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:search",
        "GET",
        lambda w: "/api/v1/search/?q=dm3",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
        label="every file",
    ),
    # --- More of the API: projects' people, comments, runs, instruments ---------------------
    api(
        "api:project-list",
        "POST",
        lambda w: "/api/v1/projects/",
        (401, 201, 201, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"name": "Made in the matrix"},
        format="json",
    ),
    api(
        "api:project-detail",
        "PATCH",
        lambda w: "/api/v1/projects/graphene/",
        (401, 404, 403, 403, 200, 200, 403, 401, 401),
        data=lambda w: {"visibility": "public"},
        format="json",
    ),
    api(
        "api:project-detail",
        "PUT",
        lambda w: "/api/v1/projects/graphene/",
        (401, 404, 403, 403, 200, 200, 403, 401, 401),
        data=lambda w: {"name": "Renamed in the matrix"},
        format="json",
    ),
    api(
        "api:project-member",
        "PUT",
        lambda w: "/api/v1/projects/graphene/members/paula/",
        (401, 404, 403, 403, 200, 200, 403, 401, 401),
        data=lambda w: {"role": "viewer"},
        format="json",
    ),
    api(
        "api:project-member",
        "DELETE",
        lambda w: "/api/v1/projects/graphene/members/victor/",
        (401, 404, 403, 403, 204, 204, 403, 401, 401),
    ),
    api(
        "api:project-invitations",
        "GET",
        lambda w: "/api/v1/projects/graphene/invitations/",
        (404, 404, 403, 403, 200, 200, 403, 401, 404),
    ),
    api(
        "api:project-invitations",
        "POST",
        lambda w: "/api/v1/projects/graphene/invitations/",
        (401, 404, 403, 403, 201, 201, 403, 401, 401),
        data=lambda w: {"email": "someone@example.org", "role": "contributor"},
        format="json",
    ),
    api(
        "api:project-invitation",
        "DELETE",
        lambda w: f"/api/v1/projects/graphene/invitations/{w.invitation.pk}/",
        (401, 404, 403, 403, 204, 204, 403, 401, 401),
    ),
    api(
        "api:project-group",
        "PUT",
        lambda w: "/api/v1/projects/graphene/groups/electron-lab/",
        (401, 404, 403, 403, 200, 200, 403, 401, 401),
        data=lambda w: {"role": "viewer"},
        format="json",
    ),
    api(
        "api:project-group",
        "DELETE",
        lambda w: "/api/v1/projects/graphene/groups/electron-lab/",
        (401, 404, 403, 403, 204, 204, 403, 401, 401),
    ),
    api(
        "api:comment-list",
        "GET",
        lambda w: "/api/v1/comments/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:comment-list",
        "POST",
        lambda w: "/api/v1/comments/",
        (401, 404, 201, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"dataset": _dataset(w), "body": "From the matrix"},
        format="json",
    ),
    api(
        "api:comment-detail",
        "GET",
        lambda w: f"/api/v1/comments/{w.comment.pk}/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:comment-detail",
        "PATCH",
        lambda w: f"/api/v1/comments/{w.comment.pk}/",
        (401, 404, 200, 403, 403, 200, 403, 401, 401),
        data=lambda w: {"body": "Edited in the matrix"},
        format="json",
    ),
    api(
        "api:comment-detail",
        "DELETE",
        lambda w: f"/api/v1/comments/{w.comment.pk}/",
        (401, 404, 204, 403, 204, 204, 403, 401, 401),
    ),
    api(
        "api:run-list",
        "GET",
        lambda w: "/api/v1/runs/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:run-detail",
        "GET",
        lambda w: f"/api/v1/runs/{w.run.pk}/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:instrument-list",
        "GET",
        lambda w: "/api/v1/instruments/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:instrument-detail",
        "GET",
        lambda w: f"/api/v1/instruments/{w.instrument.pk}/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    # --- Invitations: whoever holds the key sees the project's name and may accept ----------
    web(
        "invitation",
        "GET",
        lambda w: f"/invitations/{INVITATION_KEY}/",
        (200,) * 9,
        admits=lambda w: {w.project.name},
    ),
    web(
        "invitation",
        "POST",
        lambda w: f"/invitations/{INVITATION_KEY}/",
        (200, 302, 302, 302, 302, 302, 302, 200, 200),
        admits=lambda w: {w.project.name},
    ),
    # --- Spectrum images and image stacks (the world's file has neither: a 404 past the seam)
    web(
        "files:signal-map",
        "GET",
        lambda w: f"/files/{_file(w)}/signals/0/map.json",
        (404, 404, 404, 404, 404, 404, 404, 404, 404),
    ),
    web(
        "files:signal-point",
        "GET",
        lambda w: f"/files/{_file(w)}/signals/0/point.json?row=0&col=0",
        (404, 404, 404, 404, 404, 404, 404, 404, 404),
    ),
    web(
        "files:signal-frame",
        "GET",
        lambda w: f"/files/{_file(w)}/signals/0/frames/0.png",
        (404, 404, 404, 404, 404, 404, 404, 404, 404),
    ),
    web(
        "files:signal-pattern",
        "GET",
        lambda w: f"/files/{_file(w)}/signals/0/pattern.png?row=0&col=0",
        (404, 404, 404, 404, 404, 404, 404, 404, 404),
    ),
    api(
        "api:note-list",
        "GET",
        lambda w: "/api/v1/notes/",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    api(
        "api:note-list",
        "POST",
        lambda w: "/api/v1/notes/",
        (401, 404, 403, 201, 201, 201, 201, 401, 401),
        data=lambda w: {"dataset": _dataset(w), "key": "grid", "value": "Cu 300 mesh"},
        format="json",
    ),
    api(
        "api:note-detail",
        "GET",
        lambda w: f"/api/v1/notes/{w.note.pk}/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:note-detail",
        "PATCH",
        lambda w: f"/api/v1/notes/{w.note.pk}/",
        (401, 404, 403, 200, 200, 200, 403, 401, 401),
        data=lambda w: {"key": "sample ID", "value": "GR-18"},
        format="json",
    ),
    api(
        "api:note-detail",
        "DELETE",
        lambda w: f"/api/v1/notes/{w.note.pk}/",
        (401, 404, 403, 204, 204, 204, 403, 401, 401),
    ),
    # --- DOIs (not configured here: refused for everyone past the seam) and search exports --
    api(
        "api:dataset-doi",
        "POST",
        lambda w: f"/api/v1/datasets/{_dataset(w)}/doi/",
        (401, 404, 403, 403, 400, 400, 403, 401, 401),
    ),
    api(
        "api:search-export",
        "GET",
        lambda w: "/api/v1/search/export/?q=dm3",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    # --- Notes and tags ---------------------------------------------------------------------
    web(
        "notes:on-dataset",
        "POST",
        lambda w: f"/notes/on/dataset/{_dataset(w)}/",
        (302, 404, 403, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"key": "grid", "value": "Cu 300 mesh"},
    ),
    web(
        "notes:on-file",
        "POST",
        lambda w: f"/notes/on/file/{_file(w)}/",
        (302, 404, 403, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"key": "grid", "value": "Cu 300 mesh"},
    ),
    web(
        "notes:edit",
        "GET",
        lambda w: f"/notes/{w.note.pk}/edit/",
        (302, 404, 403, 200, 200, 200, 403, 302, 302),
    ),
    web(
        "notes:edit",
        "POST",
        lambda w: f"/notes/{w.note.pk}/edit/",
        (302, 404, 403, 302, 302, 302, 403, 302, 302),
        data=lambda w: {"key": "sample ID", "value": "GR-18"},
    ),
    web(
        "notes:delete",
        "POST",
        lambda w: f"/notes/{w.note.pk}/delete/",
        (302, 404, 403, 302, 302, 302, 403, 302, 302),
    ),
    web(
        "files:tags",
        "POST",
        lambda w: f"/files/{_file(w)}/tags/",
        (302, 404, 403, 302, 302, 302, 302, 302, 302),
        data=lambda w: {"tags": "lattice, matrix"},
    ),
    web(
        "manage:recover-runs",
        "POST",
        lambda w: "/facility/operations/recover/",
        (302, 403, 403, 403, 403, 302, 403, 302, 302),
    ),
    # --- Exports and harvesting ------------------------------------------------------------
    api(
        "api:dataset-export",
        "GET",
        lambda w: f"/api/v1/datasets/{_dataset(w)}/export/",
        (404, 404, 200, 200, 200, 200, 200, 401, 404),
    ),
    api(
        "api:file-export",
        "GET",
        lambda w: "/api/v1/files/export/?q=dm3",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
    ),
    web(
        "api:oai",
        "GET",
        lambda w: "/api/v1/oai/?verb=ListRecords&metadataPrefix=oai_dc",
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    web(
        "api:oai",
        "GET",
        lambda w: "/api/v1/oai/?verb=ListSets",
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
        label="sets",
    ),
    # --- Other views of the same URLs: exports, galleries, archives, filtered lists ---------
    web(
        "search",
        "GET",
        lambda w: "/search/?q=dm3&sort=name",
        (200,) * 9,
        label="every file name",
    ),
    web(
        "projects:audit",
        "GET",
        lambda w: "/projects/graphene/audit/?format=csv",
        (302, 404, 403, 403, 200, 200, 403, 302, 302),
        label="CSV",
    ),
    web(
        "manage:audit",
        "GET",
        lambda w: "/facility/audit/?format=csv",
        (302, 403, 403, 403, 403, 200, 403, 302, 302),
        label="CSV",
    ),
    web(
        "datasets:detail",
        "GET",
        lambda w: f"/datasets/{_dataset(w)}/?view=gallery",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
        label="gallery",
    ),
    web(
        "datasets:detail",
        "GET",
        lambda w: f"/datasets/{_dataset(w)}/?partial=files",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
        headers={"HTTP_HX_REQUEST": "true"},
        label="htmx file table",
    ),
    web(
        "files:download",
        "GET",
        lambda w: f"/files/{_file(w)}/download/?zip=1",
        (404, 404, 200, 200, 200, 200, 200, 404, 200),
        label="zip",
    ),
    web(
        "projects:list",
        "GET",
        lambda w: "/projects/?q=7a1",
        (200,) * 9,
        label="filtered",
    ),
    api(
        "api:file-list",
        "GET",
        lambda w: "/api/v1/files/?q=7a1&ordering=name",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
        label="searched",
    ),
    api(
        "api:dataset-list",
        "GET",
        lambda w: "/api/v1/datasets/?q=7a1",
        (200, 200, 200, 200, 200, 200, 200, 401, 200),
        label="searched",
    ),
]


def _upload(name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"matrix bytes " + name.encode())
