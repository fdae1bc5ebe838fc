"""Pieces the API's viewsets share: error shapes and upload answers."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.core.http import IncompleteBody
from lims.datasets.models import Dataset
from lims.files.ingest.services import IngestOutcome
from lims.files.models import ExtractionRun, InstrumentFile
from lims.files.runs.services import NOT_SENT
from lims.files.uploads.errors import UploadConflict, UploadError
from lims.files.uploads.handlers import uploads_discard

ERROR = OpenApiResponse(s.ErrorSerializer, description="What went wrong, in words.")
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}
#: A download's answers and the headers that resume or revalidate it.
DOWNLOAD_RESPONSES = {
    **BINARY,
    (206, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The requested range (`Content-Range` says which)."
    ),
    304: OpenApiResponse(description="`If-None-Match` names the file's ETag: you have it."),
    404: ERROR,
    416: OpenApiResponse(description="The range starts past the end of the file."),
}
DOWNLOAD_PARAMETERS = [
    OpenApiParameter(
        "Range",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="`bytes=START-`, `bytes=START-END` or `bytes=-SUFFIX`: one range, to "
        "resume an interrupted download.",
    ),
    OpenApiParameter(
        "If-Range",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="The ETag you resume: the range is sent only if the file is still it.",
    ),
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description='The ETag you hold (`"<sha256>"`): 304 if unchanged.',
    ),
]
#: The answers to a request that ends an upload (see :func:`ingest_response`).
INGEST_RESPONSES = {
    201: OpenApiResponse(s.IngestedFileSerializer, description="Stored."),
    202: OpenApiResponse(
        s.IngestedFileSerializer,
        description="Stored; its extraction is queued as soon as the job queue answers.",
    ),
    200: OpenApiResponse(
        s.IngestedFileSerializer,
        description="The same bytes are already in the dataset; nothing was stored.",
    ),
}


class UploadErrorsMixin:
    """Answer upload errors (too large, cut short, wrong offset, bad checksum) with their
    status and a JSON message, wherever they arise, the request body's parsing included; what
    arrived of a refused body is deleted."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, UploadError | IncompleteBody):
            uploads_discard(self.request._request)  # type: ignore[attr-defined]
            body: dict[str, Any] = {"detail": str(exc)}
            if isinstance(exc, UploadConflict):
                body["offset"] = exc.offset
            return Response(body, status=getattr(exc, "status", 400))
        return super().handle_exception(exc)  # type: ignore[misc]


def visible_dataset(request: Request, uid: Any) -> Dataset:
    """The dataset ``uid`` if the user may see it (else 404); services check the rest."""
    return get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("project"), uid=uid
    )


def visible_target(request: Request, fields: dict[str, Any]) -> Dataset | InstrumentFile:
    """The dataset or the file (``dataset`` or ``file``: one uid of the two) a comment or a
    note is about, if the user may see it (else 404); 400 unless exactly one is named."""
    if bool(fields.get("dataset")) == bool(fields.get("file")):
        raise ValidationError({"detail": "Name either a dataset or a file."})
    if fields.get("dataset"):
        return visible_dataset(request, fields["dataset"])
    return get_object_or_404(InstrumentFile.objects.visible_to(request.user), uid=fields["file"])


def ingest_response(request: Request, outcome: IngestOutcome) -> Response:
    """The answer to an upload: 201 with the new file (or with ``repaired`` when the bytes
    replaced a stored copy the dataset had lost), 200 when the bytes were there already, 202
    when they are stored but the job queue could not be reached to extract them yet (the run
    is sent again when it is back)."""
    instrument_file = (
        InstrumentFile.objects.select_related("dataset", "instrument", "uploaded_by")
        .prefetch_related("companions", "previews")
        .get(pk=outcome.file.pk)
    )
    waiting = ExtractionRun.objects.filter(file=instrument_file, message=NOT_SENT).exists()
    instrument_file.duplicate = outcome.duplicate  # type: ignore[attr-defined]
    instrument_file.repaired = outcome.repaired  # type: ignore[attr-defined]
    instrument_file.companion = (  # type: ignore[attr-defined]
        outcome.companion.original_name if outcome.companion else None
    )
    data = s.IngestedFileSerializer(instrument_file, context={"request": request}).data
    if outcome.duplicate:
        return Response(data, status=status.HTTP_200_OK)
    return Response(data, status=status.HTTP_202_ACCEPTED if waiting else status.HTTP_201_CREATED)
