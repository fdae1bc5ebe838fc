"""Shared fixtures: real services, isolated storage, and the permission personas."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from rest_framework.test import APIClient

from lims.core.permissions import share_grant_attach
from lims.sharing.services import share_grant_for
from tests.extraction.extraction_samples import sample_dir
from tests.factories import (
    DatasetFactory,
    FacilityManagerFactory,
    GroupMembershipFactory,
    MembershipFactory,
    ProjectFactory,
    ResearchGroupFactory,
    ShareLinkFactory,
    UserFactory,
    api_key_for,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, saying what is missing, when PostgreSQL or Redis is not there."""
    missing = []
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        missing.append(f"DATABASE_URL must point at PostgreSQL (it is {database_url!r})")
    elif not _reachable(database_url, 5432):
        missing.append(f"PostgreSQL is not answering at {database_url}")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis") and not _reachable(broker, 6379):
        missing.append(f"Redis is not answering at {broker}")
    if missing:
        pytest.exit(
            "The test suite needs its services:\n  - "
            + "\n  - ".join(missing)
            + "\nStart them (see README.md, 'Running the tests') or run `bash .ci/run`.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> Path:
    """Every test stores its files in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (rate-limit counters included)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_search_matrix(settings) -> None:
    """Each test searches a facet matrix of its own rows: the previous test's rolled back. The
    search that needs the matrix loads it (a thread's connection would not see the test's
    uncommitted rows)."""
    from lims.search.matrix import matrix_reset

    settings.LIMS_SEARCH_MATRIX_LOAD = "wait"
    matrix_reset()


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # The production hasher is slow on purpose; the tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def samples() -> Path:
    """The shared folder of real instrument files (read-only: copy before writing next to it),
    resolved once (``../shared`` may be a symlink) by :func:`sample_dir`."""
    return sample_dir()


@dataclass
class Personas:
    """The people every permission test speaks of, around one private project.

    Beside the roles: ``group_member`` is a contributor through the research group ``group``
    (no membership of their own); ``deactivated`` was a manager and is deactivated;
    ``share_holder`` is an anonymous visitor holding ``share_link`` to ``dataset``.
    """

    anonymous: object
    outsider: object
    viewer: object
    contributor: object
    manager: object
    facility_manager: object
    group_member: object
    deactivated: object
    share_holder: object
    project: object
    dataset: object
    group: object
    share_link: object


@pytest.fixture
def personas(db) -> Personas:
    from django.contrib.auth.models import AnonymousUser

    manager = UserFactory(username="margaret")
    project = ProjectFactory(created_by=manager, slug="graphene")
    MembershipFactory(project=project, user=manager, role="manager")
    viewer = UserFactory(username="victor")
    MembershipFactory(project=project, user=viewer, role="viewer")
    contributor = UserFactory(username="carla")
    MembershipFactory(project=project, user=contributor, role="contributor")
    group_member = UserFactory(username="gina")
    group = ResearchGroupFactory(name="Electron Lab", slug="electron-lab", members=[group_member])
    GroupMembershipFactory(project=project, group=group, role="contributor")
    deactivated = UserFactory(username="dora", is_active=False)
    MembershipFactory(project=project, user=deactivated, role="manager")
    dataset = DatasetFactory(project=project, created_by=contributor)
    share_link = ShareLinkFactory(dataset=dataset, created_by=manager)
    share_holder = AnonymousUser()
    share_grant_attach(share_holder, share_grant_for([share_link.pk]))
    return Personas(
        anonymous=AnonymousUser(),
        outsider=UserFactory(username="oscar"),
        viewer=viewer,
        contributor=contributor,
        manager=manager,
        facility_manager=FacilityManagerFactory(username="fiona"),
        group_member=group_member,
        deactivated=deactivated,
        share_holder=share_holder,
        project=project,
        dataset=dataset,
        group=group,
        share_link=share_link,
    )


@pytest.fixture
def api_client_for():
    """An API client authenticated with the user's token (anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None and user.is_authenticated:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
        return client

    return make


pytest_plugins = ["tests.worker", "tests.s3"]
