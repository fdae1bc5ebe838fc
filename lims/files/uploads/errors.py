"""Why an upload is refused, with the HTTP status that says so, and the size limit."""

from __future__ import annotations

import errno

from django.conf import settings


def max_upload_bytes() -> int:
    """The largest file accepted, in bytes (``LIMS_MAX_UPLOAD_BYTES``)."""
    return int(settings.LIMS_MAX_UPLOAD_BYTES)


def human_size(n: int) -> str:
    """``812 bytes``, ``96.0 KB``, ``1.5 GB`` (decimal units, as disks are sold)."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} bytes"


class UploadError(Exception):
    """An upload that cannot be accepted; ``status`` is the HTTP status that says why."""

    status = 400


class UploadTooLarge(UploadError):
    """More bytes than ``LIMS_MAX_UPLOAD_BYTES``."""

    status = 413

    def __init__(self, limit: int | None = None) -> None:
        self.limit = max_upload_bytes() if limit is None else limit
        super().__init__(
            f"The file is larger than the limit of {human_size(self.limit)} "
            f"({self.limit} bytes) per file."
        )


class UploadConflict(UploadError):
    """A chunk at the wrong offset, or a session that is no longer receiving."""

    status = 409

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


class UploadNotStored(UploadError):
    """The server's disk refused the bytes (full, or failing); ``kept`` says what is kept."""

    def __init__(self, error: OSError, kept: str = "nothing was kept, send it again later") -> None:
        self.status = 507 if error.errno in {errno.ENOSPC, errno.EDQUOT} else 500
        super().__init__(
            f"The server could not write the upload to its disk ({error.strerror or error}); "
            f"{kept}."
        )
