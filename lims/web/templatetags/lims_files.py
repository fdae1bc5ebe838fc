"""URLs of a file's images, always through the permission-checked views (never MEDIA_URL)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from lims.web.display import kind_label

register = template.Library()


def _reverse(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs)


@register.simple_tag
def thumbnail_url(file: Any) -> str:
    """The file's thumbnail URL, or "" when it has none."""
    if not file.thumbnail:
        return ""
    return _reverse("files:thumbnail", uid=file.uid)


@register.simple_tag
def preview_url(file: Any) -> str:
    """The file's large preview URL, or "" when it has none."""
    if not file.preview:
        return ""
    return _reverse("files:preview", uid=file.uid)


@register.simple_tag
def signal_preview_url(signal_preview: Any, which: str = "image") -> str:
    """The URL of one signal's preview (``which`` = "image" or "thumbnail")."""
    field = signal_preview.image if which == "image" else signal_preview.thumbnail
    if not field:
        return ""
    return _reverse(
        "files:signal-preview",
        uid=signal_preview.file.uid,
        index=signal_preview.signal_index,
        variant="preview" if which == "image" else "thumbnail",
    )


@register.simple_tag
def download_url(file: Any) -> str:
    """The permission-checked download of the file's original bytes."""
    return _reverse("files:download", uid=file.uid)


@register.simple_tag
def companion_url(file: Any, companion: Any) -> str:
    """The permission-checked download of one companion file (a .ser, a .raw)."""
    return _reverse("files:companion-download", uid=file.uid, companion_id=companion.pk)


@register.filter
def kind(value: Any) -> str:
    """A signal kind as a microscopist reads it ("4d_stem" → "4D-STEM")."""
    return kind_label(value)
