"""OpenAPI generation hooks: the schema describes ``/api/v1/`` only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

V1_PREFIX = "/api/v1/"


def only_v1(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[Any]:
    """drf-spectacular preprocessing hook: leave out the unversioned legacy aliases."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(V1_PREFIX)]


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The personal tokens in the schema: ``Authorization: Token <key>``."""

    target_class = "lims.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal token from your account page or POST /api/v1/tokens/, "
            'sent as "Token <key>" (or "Bearer <key>").',
        }
