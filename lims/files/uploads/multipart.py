"""Chunked uploads assembled in the object store, without a local copy of the whole file.

When storage is an S3-compatible object store (``LIMS_STORAGE_BACKEND=s3``) and
``LIMS_UPLOAD_MULTIPART`` is on, a chunked upload session is also an S3 multipart upload: the
bytes of each chunk collect in the session's local file only until they make a part
(:data:`PART_BYTES`, S3's 5 MiB minimum), which is then sent to the store and cut from the
local file. So the local file never holds more than one part and one chunk, and with chunks
of 5 MiB or more (the browser sends 8 MiB) every chunk is a part at once and nothing stays on
the web host between two requests: consecutive chunks may go to different web hosts. On
completion the last bytes become the last part and the store assembles the object, which
ingest then adopts where it lies (:class:`AssembledObject`): nothing is copied again.

The session row remembers the multipart upload (``UploadSession.store_upload``): its key, id,
the parts' ETags and how many bytes the store holds, so that any web host can take the next
chunk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage

from lims.core.storage import safe_filename
from lims.files.models import UploadSession

#: Local bytes that make a part (S3 wants at least 5 MiB in every part but the last).
PART_BYTES = 5 * 1024 * 1024
CHUNK = 1024 * 1024


def multipart_storage() -> Storage | None:
    """The storage when chunked uploads assemble in it, else None (a local partial file)."""
    if not settings.LIMS_UPLOAD_MULTIPART:
        return None
    storage = default_storage
    # django-storages' S3Storage: a boto3 bucket with a client that speaks multipart.
    if hasattr(storage, "bucket") and hasattr(storage, "_normalize_name"):
        return storage
    return None


def _client(storage: Any) -> Any:
    return storage.bucket.meta.client


def stored_bytes(session: UploadSession) -> int:
    """How many of the session's bytes are already parts in the store (0 without one)."""
    return int((session.store_upload or {}).get("stored", 0))


def _begin(storage: Any, session: UploadSession) -> dict[str, Any]:
    name = storage.get_available_name(
        f"files/{session.dataset.uid}/uploads/{session.uid}/{safe_filename(session.filename)}"
    )
    key = storage._normalize_name(name)
    answer = _client(storage).create_multipart_upload(Bucket=storage.bucket_name, Key=key)
    return {"name": name, "key": key, "upload_id": answer["UploadId"], "parts": [], "stored": 0}


def parts_send(session: UploadSession, path: Path, *, final: bool = False) -> bool:
    """Send the session's local bytes to the store as parts: whole parts only, or with
    ``final`` everything left. Updates ``session.store_upload`` (the caller saves it);
    returns whether anything was sent. Call with the session's row locked."""
    storage = multipart_storage()
    if storage is None:
        return False
    upload = session.store_upload or _begin(storage, session)
    sent = False
    local = path.stat().st_size
    while local >= PART_BYTES or (final and (local > 0 or not upload["parts"])):
        number = len(upload["parts"]) + 1
        with path.open("rb") as handle:
            answer = _client(storage).upload_part(
                Bucket=storage.bucket_name,
                Key=upload["key"],
                UploadId=upload["upload_id"],
                PartNumber=number,
                Body=handle,
                ContentLength=local,
            )
        upload["parts"].append({"PartNumber": number, "ETag": answer["ETag"]})
        upload["stored"] += local
        with path.open("r+b") as handle:
            handle.truncate(0)
        local, sent = 0, True
    session.store_upload = upload
    return sent


def assemble(session: UploadSession) -> AssembledObject:
    """Complete the multipart upload (everything must have been sent): the stored object."""
    storage = multipart_storage()
    assert storage is not None and session.store_upload
    upload = session.store_upload
    if upload.get("assembled"):  # a completion that stopped before ingest: assembled already
        return AssembledObject(storage, upload["name"], upload["stored"])
    _client(storage).complete_multipart_upload(
        Bucket=storage.bucket_name,
        Key=upload["key"],
        UploadId=upload["upload_id"],
        MultipartUpload={"Parts": upload["parts"]},
    )
    upload["assembled"] = True
    return AssembledObject(storage, upload["name"], upload["stored"])


def abort(session: UploadSession) -> None:
    """Give up the session's multipart upload (the store drops its parts)."""
    storage = multipart_storage()
    upload = session.store_upload
    if storage is None or not upload or upload.get("assembled"):
        return
    _client(storage).abort_multipart_upload(
        Bucket=storage.bucket_name, Key=upload["key"], UploadId=upload["upload_id"]
    )


class AssembledObject(File):
    """An object already in storage, offered to ingest to be adopted where it lies
    (``stored_name``) instead of being stored again."""

    def __init__(self, storage: Storage, name: str, size: int, sha256: str = "") -> None:
        super().__init__(None, name=PurePosixPath(name).name)
        self.storage = storage
        self.stored_name = name
        self.size = size
        self.sha256 = sha256

    def hash(self) -> str:
        """SHA-256 of the stored object, read back from the store in chunks."""
        sha = hashlib.sha256()
        with self.storage.open(self.stored_name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                sha.update(chunk)
        self.sha256 = sha.hexdigest()
        return self.sha256

    def delete(self) -> None:
        self.storage.delete(self.stored_name)

    def close(self) -> None:
        """Nothing is open: the bytes are in the store."""
