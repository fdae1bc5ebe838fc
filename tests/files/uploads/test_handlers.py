"""Browser (non-API) uploads stream through the hashing handler too."""

from __future__ import annotations

import hashlib
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from lims.files.uploads.handlers import streaming_uploads


@streaming_uploads
def receive(request):
    upload = request.FILES["file"]
    return JsonResponse({"sha256": upload.sha256, "path": upload.temporary_file_path()})


def _post(data: bytes):
    request = RequestFactory().post("/upload/", {"file": SimpleUploadedFile("a.dm3", data)})
    request._dont_enforce_csrf_checks = True
    return request


def test_a_decorated_view_gets_hashed_files_on_disk(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = b"bytes from the browser" * 1000
    response = receive(_post(data))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["path"].startswith(str(tmp_path))


def test_over_the_limit_is_a_413_with_the_reason(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LIMS_MAX_UPLOAD_BYTES = 100
    response = receive(_post(b"x" * 200_000))
    assert isinstance(response, HttpResponse) and response.status_code == 413
    assert b"larger than the limit" in response.content


def test_the_csrf_check_still_applies():
    request = RequestFactory().post("/upload/", {"file": SimpleUploadedFile("a.dm3", b"x")})
    assert receive(request).status_code == 403


def test_the_background_hash_is_the_bytes_hash_across_settles():
    import hashlib
    import os

    from lims.files.uploads.handlers import BackgroundHasher

    chunks = [os.urandom(n) for n in (10, 1 << 20, 300_000, 5, 2 << 20, 1 << 20, 1 << 20)] * 3
    hasher = BackgroundHasher()
    for n, chunk in enumerate(chunks):
        hasher.update(chunk)
        if n % 7 == 6:
            hasher.settle()  # a chunked upload's hasher waits between two requests
            assert hasher._thread is None
    assert hasher.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()
