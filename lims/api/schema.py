"""OpenAPI generation hooks: the schema describes ``/api/v1/`` only."""

from __future__ import annotations

from typing import Any

V1_PREFIX = "/api/v1/"


def only_v1(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[Any]:
    """drf-spectacular preprocessing hook: leave out the unversioned legacy aliases."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(V1_PREFIX)]
