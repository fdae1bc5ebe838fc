"""The access matrix: every URL and API endpoint, as every persona, with the exact status, and
nothing a persona may not see in any answer (lists, counts, facets, exports, preview URLs,
redirects).

The routes and their statuses are in ``tests/access/routes.py``; the world they point at in
``tests/access/world.py``.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.access.routes import ALIASES, NOT_PROBED, PREFIXES_NOT_PROBED, ROUTES, SAME, Route
from tests.access.world import PERSONAS, SHARE_KEY, World, build_world
from tests.factories import api_key_for

TEXT_TYPES = ("text/html", "application/json", "text/csv", "text/plain", "application/problem")


def _patterns(patterns: list[Any], prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name, getattr(pattern.callback, "actions", None)


def url_methods() -> dict[str, set[str]]:
    """Every named URL of the LIMS with the methods its API view routes (empty for pages)."""
    found: dict[str, set[str]] = {}
    for route, name, actions in _patterns(get_resolver().url_patterns):
        if route.startswith(PREFIXES_NOT_PROBED) or name in NOT_PROBED:
            continue
        assert name, f"The URL {route} has no name: name it and add it to tests/access/routes.py"
        # HEAD answers as GET does; OPTIONS describes the endpoint.
        routed = {method.upper() for method in actions or {}} - {"HEAD", "OPTIONS"}
        for alias, canonical in ALIASES.items():
            name = canonical + name.removeprefix(alias) if name.startswith(alias) else name
        found.setdefault(name, set()).update(routed)
    return found


def test_every_url_is_in_the_matrix() -> None:
    probed: dict[str, set[str]] = {}
    for route in ROUTES:
        name = route.name
        for alias, canonical in ALIASES.items():
            name = canonical + name.removeprefix(alias) if name.startswith(alias) else name
        probed.setdefault(name, set()).add(route.method)
        assert len(route.expect) == len(PERSONAS), route.id
    ids = [route.id for route in ROUTES]
    assert len(ids) == len(set(ids)), "a route is in the matrix twice"
    urls = url_methods()
    missing = sorted(name for name in urls if name not in probed)
    assert not missing, f"URLs missing from tests/access/routes.py: {missing}"
    unknown = sorted(name for name in probed if name not in urls)
    assert not unknown, f"routes of the matrix that are no URL: {unknown}"
    for name, methods in urls.items():
        assert methods <= probed[name], (
            f"{name}: methods not in the matrix: {methods - probed[name]}"
        )


@pytest.fixture
def world(personas) -> World:
    return build_world(personas)


def client_for(persona: str, route: Route, world: World) -> APIClient:
    """A client acting as ``persona``: a session on the pages, a token on the API."""
    client = APIClient()
    if persona == "share_holder":
        opened = client.get(f"/share/{SHARE_KEY}/")
        assert opened.status_code == 302, "the share link does not open"
        return client
    if persona == "anonymous":
        return client
    user = getattr(world, persona)
    if route.api:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    else:
        client.force_login(user)
    return client


def call(client: APIClient, route: Route, world: World) -> Any:
    path = route.path(world)
    data = route.data(world) if route.data else None
    method = getattr(client, route.method.lower())
    if isinstance(data, bytes):
        return client.generic(
            route.method, path, data, content_type="application/octet-stream", **route.headers
        )
    if route.method == "GET":
        return method(path, **route.headers)
    return method(path, data, format=route.format or "multipart", **route.headers)


def shown(response: Any, path: str) -> str:
    """What an answer shows: its text (for text types) and where it redirects, without the
    requested URL echoed (in a 404 page or a sign-in redirect's ``next``): that was asked."""
    text = response.get("Location", "")
    kind = response.get("Content-Type", "")
    if kind.startswith((*TEXT_TYPES, "application/zip", "application/xml", "text/xml")):
        body = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
        if kind.startswith("application/zip"):  # exports: their names and text members
            archive = zipfile.ZipFile(io.BytesIO(body))
            text += "\n".join(archive.namelist())
            for name in archive.namelist():
                if name.endswith((".json", ".csv", ".txt", ".html", ".xml", ".jsonld")):
                    text += archive.read(name).decode("utf-8", "replace")
        else:
            text += body.decode("utf-8", "replace")
    for echoed in (path, quote(path), quote(path, safe="")):
        text = text.replace(echoed, "")
    return text


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[route.id for route in ROUTES])
def test_every_persona_on_every_route(world: World, route: Route) -> None:
    statuses: list[int] = []
    leaks: list[str] = []
    for persona in PERSONAS:
        with transaction.atomic():
            response = call(client_for(persona, route, world), route, world)
            statuses.append(response.status_code)
            text = shown(response, route.path(world))
            hidden = world.hidden_from("share_holder" if route.holds_link else persona)
            hidden -= route.admits(world) if route.admits else set()
            leaks += [f"{persona} sees {m!r}" for m in hidden if m in text]
            transaction.set_rollback(True)
    if route.expect == (SAME,) * len(PERSONAS):
        assert len(set(statuses)) == 1, f"{route.id}: got {tuple(statuses)}"
    else:
        assert tuple(statuses) == route.expect, f"{route.id}: got {tuple(statuses)}"
    assert not leaks, f"{route.id}: {leaks}"
