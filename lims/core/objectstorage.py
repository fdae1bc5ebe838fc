"""S3-compatible object storage (AWS S3, MinIO, Ceph RGW…) for files, previews and exports.

Chosen with ``LIMS_STORAGE_BACKEND=s3`` (see the settings). Names follow the same rules as on
local storage: safe characters only, and a name already taken gets a suffix instead of being
overwritten. Objects are private; users reach them through the LIMS's permission check,
after which downloads are streamed or redirected to a short-lived signed URL
(:mod:`lims.core.delivery`). Code reads objects through the storage API
(:func:`lims.core.storage.local_copy`), never by path.
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage

from lims.core.storage import safe_filename


class InstrumentS3Storage(S3Storage):
    """Private objects, never overwritten, with the names local storage would give."""

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("file_overwrite", False)
        settings.setdefault("default_acl", None)
        settings.setdefault("querystring_auth", True)
        settings.setdefault("signature_version", "s3v4")
        super().__init__(**settings)

    def get_valid_name(self, name: str) -> str:
        return safe_filename(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        directory, _, base = name.rpartition("/")
        base = safe_filename(base)
        return super().get_available_name(f"{directory}/{base}" if directory else base, max_length)
