"""API viewsets: querysets via ``visible_to``, actions via ``can``, writes via services."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser, FileUploadParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.api.filters import DatasetFilter, InstrumentFileFilter
from lims.core.permissions import Action, can
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create, dataset_update
from lims.files import downloads, services
from lims.files.models import InstrumentFile, UploadSession
from lims.files.services import IngestOutcome
from lims.files.uploads import (
    MULTIPART_SLACK,
    UploadConflict,
    UploadError,
    UploadTooLarge,
    install_upload_handler,
    max_upload_bytes,
    upload_session_abort,
    upload_session_append,
    upload_session_complete,
    upload_session_create,
)
from lims.projects.models import Project

ERROR = OpenApiResponse(s.ErrorSerializer, description="What went wrong, in words.")
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class UploadErrorsMixin:
    """Answer upload errors (too large, wrong offset, bad checksum) with their status and a
    JSON message, wherever they arise, the request body's parsing included."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, UploadError):
            body: dict[str, Any] = {"detail": str(exc)}
            if isinstance(exc, UploadConflict):
                body["offset"] = exc.offset
            return Response(body, status=exc.status)
        return super().handle_exception(exc)  # type: ignore[misc]


def _contributable_dataset(request: Request, uid: Any) -> Dataset:
    dataset = get_object_or_404(
        Dataset.objects.visible_to(request.user).select_related("project"), uid=uid
    )
    if not can(request.user, Action.CONTRIBUTE, dataset):
        raise PermissionDenied("You may not upload files into this dataset.")
    return dataset


def _ingest_response(request: Request, outcome: IngestOutcome) -> Response:
    instrument_file = (
        InstrumentFile.objects.select_related("dataset", "instrument", "uploaded_by")
        .prefetch_related("companions", "previews")
        .get(pk=outcome.file.pk)
    )
    instrument_file.duplicate = outcome.duplicate  # type: ignore[attr-defined]
    instrument_file.companion = (  # type: ignore[attr-defined]
        outcome.companion.original_name if outcome.companion else None
    )
    data = s.IngestedFileSerializer(instrument_file, context={"request": request}).data
    created = not outcome.duplicate
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="Projects you may see"),
    retrieve=extend_schema(summary="One project"),
)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProjectSerializer
    lookup_field = "slug"
    queryset = Project.objects.none()

    def get_queryset(self) -> QuerySet[Project]:
        return Project.objects.visible_to(self.request.user).order_by("name")


@extend_schema_view(
    list=extend_schema(summary="Datasets you may see"),
    retrieve=extend_schema(summary="One dataset"),
)
class DatasetViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.DatasetSerializer
    filterset_class = DatasetFilter
    lookup_field = "uid"
    queryset = Dataset.objects.none()

    def get_queryset(self) -> QuerySet[Dataset]:
        return (
            Dataset.objects.visible_to(self.request.user)
            .select_related("project", "created_by")
            .prefetch_related("tags")
        )

    def _saved(self, dataset: Dataset, code: int) -> Response:
        dataset = self.get_queryset().get(pk=dataset.pk)
        return Response(self.get_serializer(dataset).data, status=code)

    @extend_schema(
        summary="Create a dataset in a project (contributors and managers)",
        request=s.DatasetWriteSerializer,
        responses={201: s.DatasetSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        data = s.DatasetWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = get_object_or_404(
            Project.objects.visible_to(request.user), slug=fields.pop("project")
        )
        if not can(request.user, Action.CONTRIBUTE, project):
            raise PermissionDenied("Only the project's contributors and managers add datasets.")
        if project.datasets.filter(title=fields["title"].strip()).exists():
            raise ValidationError({"title": ["The project already has a dataset of this title."]})
        dataset = dataset_create(project=project, created_by=request.user, **fields)
        return self._saved(dataset, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a dataset (its creator, or the project's managers)",
        request=s.DatasetWriteSerializer(partial=True),
        responses={200: s.DatasetSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request: Request, uid: str | None = None, partial: bool = False) -> Response:
        dataset = self.get_object()
        if not can(request.user, Action.EDIT, dataset):
            raise PermissionDenied("You may not change this dataset.")
        data = s.DatasetWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "project"}
        try:
            dataset_update(dataset=dataset, **fields)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        return self._saved(dataset, status.HTTP_200_OK)

    @extend_schema(
        summary="Change some fields of a dataset",
        request=s.DatasetWriteSerializer(partial=True),
        responses={200: s.DatasetSerializer, 400: ERROR, 403: ERROR},
    )
    def partial_update(self, request: Request, uid: str | None = None) -> Response:
        return self.update(request, uid=uid, partial=True)

    @extend_schema(
        summary="Extract every file of the dataset again",
        request=None,
        responses={202: s.ReextractResultSerializer, 403: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reextract(self, request: Request, uid: str | None = None) -> Response:
        dataset = self.get_object()
        if not can(request.user, Action.MANAGE, dataset):
            raise PermissionDenied("Re-extraction is for the project's managers.")
        queued = services.dataset_reextract(dataset=dataset, user=request.user)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)


class StreamingMultiPartParser(MultiPartParser):
    """multipart/form-data whose files stream to disk through the hashing upload handler."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = parser_context["request"]
        if not getattr(request._request, "_lims_streaming", False):
            install_upload_handler(request._request)
        return super().parse(stream, media_type, parser_context)


class StreamingRawUploadParser(FileUploadParser):
    """The file as the raw request body (no multipart framing to parse: the fastest path);
    its name in ``Content-Disposition: attachment; filename="..."``."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = parser_context["request"]
        if not getattr(request._request, "_lims_streaming", False):
            install_upload_handler(request._request)
        return super().parse(stream, media_type, parser_context)


@extend_schema_view(
    list=extend_schema(summary="Instrument files you may see"),
    retrieve=extend_schema(summary="One instrument file, with its signals and previews"),
)
class InstrumentFileViewSet(UploadErrorsMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = InstrumentFileFilter
    lookup_field = "uid"
    queryset = InstrumentFile.objects.none()

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body (the CSRF check reads request.POST): stream it.
        if request.method == "POST":
            install_upload_handler(request)
            request._lims_streaming = True
        return super().initialize_request(request, *args, **kwargs)

    def get_parsers(self) -> list[BaseParser]:
        if self.request is not None and self.request.method == "POST":
            return [StreamingMultiPartParser(), StreamingRawUploadParser()]
        return super().get_parsers()

    def get_queryset(self) -> QuerySet[InstrumentFile]:
        queryset = (
            InstrumentFile.objects.visible_to(self.request.user)
            .select_related("dataset", "instrument", "uploaded_by")
            .prefetch_related("companions")
        )
        if self.action != "list":
            queryset = queryset.prefetch_related("previews")
        return queryset

    def get_serializer_class(self) -> type[s.InstrumentFileSerializer]:
        if self.action == "list":
            return s.InstrumentFileSerializer
        return s.InstrumentFileDetailSerializer

    @extend_schema(
        summary="Upload a file (streamed to disk, hashed on the way)",
        description=(
            "Either multipart/form-data with `dataset` and `file`, or the raw bytes as "
            "application/octet-stream with `?dataset=UID` and "
            '`Content-Disposition: attachment; filename="NAME"`. For large files, prefer the '
            "resumable chunked protocol under /api/uploads/."
        ),
        parameters=[
            OpenApiParameter(
                "dataset",
                OpenApiTypes.UUID,
                OpenApiParameter.QUERY,
                required=False,
                description="The dataset's uid, for a raw (application/octet-stream) upload.",
            )
        ],
        request={
            "multipart/form-data": s.FileUploadSerializer,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        responses={
            201: OpenApiResponse(s.IngestedFileSerializer, description="Stored."),
            200: OpenApiResponse(
                s.IngestedFileSerializer,
                description="The same bytes are already in the dataset; nothing was stored.",
            ),
            403: ERROR,
            413: ERROR,
        },
    )
    def create(self, request: Request) -> Response:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max_upload_bytes() + MULTIPART_SLACK:
            raise UploadTooLarge()
        data = {
            "dataset": request.data.get("dataset") or request.query_params.get("dataset"),
            "file": request.data.get("file"),
        }
        serializer = s.FileUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        dataset = _contributable_dataset(request, serializer.validated_data["dataset"])
        upload = serializer.validated_data["file"]
        try:
            outcome = services.file_ingest(dataset=dataset, upload=upload, user=request.user)
        finally:
            upload.close()
        return _ingest_response(request, outcome)

    @extend_schema(summary="Download the original file", responses=BINARY)
    @action(detail=True, methods=["get"])
    def download(self, request: Request, uid: str | None = None) -> HttpResponse:
        return downloads.original_response(self.get_object())

    @extend_schema(
        summary="The vendor's original metadata tree of each signal",
        responses=s.OriginalMetadataSerializer,
    )
    @action(detail=True, methods=["get"], url_path="original-metadata")
    def original_metadata(self, request: Request, uid: str | None = None) -> Response:
        instrument_file = self.get_object()
        return Response(instrument_file.original_metadata or {"signals": []})

    @extend_schema(
        summary="Extract the file again",
        request=None,
        responses={202: s.ExtractionRunSerializer, 403: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reextract(self, request: Request, uid: str | None = None) -> Response:
        instrument_file = self.get_object()
        if not can(request.user, Action.MANAGE, instrument_file):
            raise PermissionDenied("Re-extraction is for the project's managers.")
        run = services.file_reextract(file=instrument_file, user=request.user)
        return Response(s.ExtractionRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The file's extraction runs, newest first",
        responses=s.ExtractionRunSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def runs(self, request: Request, uid: str | None = None) -> Response:
        instrument_file = self.get_object()
        runs = instrument_file.runs.select_related("requested_by").order_by("-id")
        return Response(s.ExtractionRunSerializer(runs, many=True).data)


class ChunkParser(BaseParser):
    """Raw bytes of a chunk; the view reads them from the request stream itself."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return stream


_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")

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
        ).select_related("dataset", "file")

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
        dataset = _contributable_dataset(request, data["dataset"])
        session = upload_session_create(
            dataset=dataset,
            user=request.user,
            filename=data["filename"],
            size=data["size"],
            sha256=data.get("sha256", ""),
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
        session = self.get_object()
        start, length = self._chunk_range(request)
        session = upload_session_append(
            session=session, offset=start, length=length, stream=request._request
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

    @staticmethod
    def _chunk_range(request: Request) -> tuple[int, int]:
        body_length = int(request.META.get("CONTENT_LENGTH") or 0)
        header = request.META.get("HTTP_CONTENT_RANGE", "").strip()
        if header:
            match = _CONTENT_RANGE.match(header)
            if not match:
                raise UploadError("Content-Range must read 'bytes START-END/TOTAL'.")
            start, end = int(match.group(1)), int(match.group(2))
            if end < start:
                raise UploadError("Content-Range ends before it starts.")
            return start, end - start + 1
        offset = request.META.get("HTTP_UPLOAD_OFFSET")
        if offset is None or not offset.isdigit():
            raise UploadError("Send Content-Range (or Upload-Offset) with each chunk.")
        return int(offset), body_length

    def perform_destroy(self, instance: UploadSession) -> None:
        upload_session_abort(session=instance)

    @extend_schema(
        summary="Finish a chunked upload: check it and ingest the file",
        request=None,
        responses={
            201: OpenApiResponse(s.IngestedFileSerializer, description="Stored."),
            200: OpenApiResponse(
                s.IngestedFileSerializer,
                description="The same bytes are already in the dataset; nothing was stored.",
            ),
            400: ERROR,
            409: ERROR,
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, uid: str | None = None) -> Response:
        outcome = upload_session_complete(session=self.get_object(), user=request.user)
        return _ingest_response(request, outcome)
