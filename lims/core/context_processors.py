"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """The site's name and whether it runs on the embedded default."""
    return {"SITE_NAME": settings.SITE_NAME, "EMBEDDED": settings.EMBEDDED}
