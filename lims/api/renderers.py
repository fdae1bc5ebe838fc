"""JSON-LD answers: ``Accept: application/ld+json`` or ``?format=jsonld`` on a dataset or a
file gives its schema.org description (what harvesters read)."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class JsonLdMixin:
    """Offer JSON-LD on ``retrieve``; the view's ``jsonld(obj)`` builds it."""

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = [renderer() for renderer in api_settings.DEFAULT_RENDERER_CLASSES]
        if getattr(self, "action", None) == "retrieve":
            renderers.append(JSONLDRenderer())
        return renderers

    def wants_jsonld(self, request: Request) -> bool:
        renderer = getattr(request, "accepted_renderer", None)
        return isinstance(renderer, JSONLDRenderer)

    def jsonld(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError
