"""Resumable, chunked uploads through the API (the protocol: docs/ingest.md)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.api.parsers import ChunkParser
from lims.api.views.common import (
    ERROR,
    INGEST_RESPONSES,
    UploadErrorsMixin,
    ingest_response,
    visible_dataset,
)
from lims.datasets.models import Dataset
from lims.files.models import UploadSession
from lims.files.uploads.protocol import chunk_range
from lims.files.uploads.services import (
    upload_session_abort,
    upload_session_append,
    upload_session_complete,
    upload_session_create,
)

CHUNK_PARAMETERS = [
    OpenApiParameter(
        "Content-Range",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="`bytes START-END/TOTAL` (END inclusive). START must equal the session's "
        "`offset`. Alternatively send `Upload-Offset: START` and the chunk as the whole body.",
    ),
    OpenApiParameter(
        "Upload-Offset",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        description="Where the chunk starts, when Content-Range is not sent.",
    ),
]


@extend_schema_view(
    retrieve=extend_schema(
        summary="A chunked upload: where to resume",
        description="`offset` is how many bytes have arrived: send the next chunk from there.",
    ),
    destroy=extend_schema(summary="Abandon a chunked upload and delete what arrived"),
)
class UploadSessionViewSet(
    UploadErrorsMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Resumable, chunked uploads for large files.

    1. ``POST /api/uploads/`` with ``dataset``, ``filename``, ``size`` (and ``sha256``).
    2. ``PUT /api/uploads/{uid}/`` each chunk as raw bytes with ``Content-Range``.
    3. After an interruption, ``GET /api/uploads/{uid}/`` gives the ``offset`` to resume at.
    4. ``POST /api/uploads/{uid}/complete/`` checks size and SHA-256 and ingests the file.
    """

    serializer_class = s.UploadSessionSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "uid"
    queryset = UploadSession.objects.none()

    def get_queryset(self) -> QuerySet[UploadSession]:
        # A session is its creator's, and its dataset must still be visible to them.
        return UploadSession.objects.filter(
            created_by=self.request.user,
            dataset__in=Dataset.objects.visible_to(self.request.user),
        ).select_related("dataset__project", "file")

    def get_parsers(self) -> list[BaseParser]:
        if self.request is not None and self.request.method in {"PUT", "PATCH"}:
            return [ChunkParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Start a chunked upload",
        request=s.UploadSessionCreateSerializer,
        responses={201: s.UploadSessionSerializer, 403: ERROR, 413: ERROR},
    )
    def create(self, request: Request) -> Response:
        serializer = s.UploadSessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dataset = visible_dataset(request, data["dataset"])
        session = upload_session_create(
            dataset=dataset,
            user=request.user,
            filename=data["filename"],
            size=data["size"],
            sha256=data.get("sha256", ""),
            folder=data.get("folder", ""),
        )
        body = s.UploadSessionSerializer(session, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send one chunk",
        parameters=CHUNK_PARAMETERS,
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: s.UploadSessionSerializer, 400: ERROR, 409: ERROR},
        examples=[OpenApiExample("First MiB", value="<bytes>", request_only=True)],
    )
    def update(self, request: Request, uid: str | None = None) -> Response:
        session = upload_session_append(
            session=self.get_object(),
            user=request.user,
            chunk=chunk_range(request.META),
            stream=request._request,
        )
        return Response(s.UploadSessionSerializer(session, context={"request": request}).data)

    @extend_schema(
        summary="Send one chunk (same as PUT)",
        parameters=CHUNK_PARAMETERS,
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: s.UploadSessionSerializer, 400: ERROR, 409: ERROR},
    )
    def partial_update(self, request: Request, uid: str | None = None) -> Response:
        return self.update(request, uid=uid)

    def perform_destroy(self, instance: UploadSession) -> None:
        upload_session_abort(session=instance)

    @extend_schema(
        summary="Finish a chunked upload: check it and ingest the file",
        request=None,
        responses={
            **INGEST_RESPONSES,
            400: ERROR,
            409: ERROR,
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, uid: str | None = None) -> Response:
        outcome = upload_session_complete(session=self.get_object(), user=request.user)
        return ingest_response(request, outcome)
