"""Instrument files through the API: list, read, upload, download, re-extract, runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.api.pagination import FileCursorPagination
from lims.api.parsers import StreamingMultiPartParser, StreamingRawUploadParser
from lims.api.renderers import JsonLdMixin
from lims.api.views.common import (
    DOWNLOAD_PARAMETERS,
    DOWNLOAD_RESPONSES,
    ERROR,
    INGEST_RESPONSES,
    UploadErrorsMixin,
    ingest_response,
    visible_dataset,
)
from lims.fair.describe import file_jsonld
from lims.fair.export import ExportSource, export_response
from lims.files.downloads import original_download
from lims.files.filters import InstrumentFileFilterSet
from lims.files.ingest.services import file_ingest
from lims.files.models import InstrumentFile
from lims.files.runs.services import file_reextract
from lims.files.uploads.errors import UploadTooLarge, max_upload_bytes
from lims.files.uploads.handlers import MULTIPART_SLACK, install_upload_handler, uploads_discard
from lims.files.uploads.protocol import content_length
from lims.files.uploads.services import upload_verify


@extend_schema_view(
    list=extend_schema(summary="Instrument files you may see"),
    retrieve=extend_schema(summary="One instrument file, with its signals and previews"),
)
class InstrumentFileViewSet(JsonLdMixin, UploadErrorsMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = InstrumentFileFilterSet
    pagination_class = FileCursorPagination
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
            .select_related("dataset__project", "instrument", "uploaded_by")
            .prefetch_related("companions")
        )
        if self.action != "list":
            queryset = queryset.prefetch_related("previews")
        return queryset

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.wants_jsonld(request):
            return Response(file_jsonld(self.get_object(), request.build_absolute_uri))
        return super().retrieve(request, *args, **kwargs)

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
            ),
            OpenApiParameter(
                "sha256",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="The file's SHA-256, for a raw upload: bytes that differ are "
                "refused (400) and nothing is kept.",
            ),
        ],
        request={
            "multipart/form-data": s.FileUploadSerializer,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        responses={
            **INGEST_RESPONSES,
            403: ERROR,
            413: ERROR,
        },
    )
    def create(self, request: Request) -> Response:
        if content_length(request.META) > max_upload_bytes() + MULTIPART_SLACK:
            raise UploadTooLarge()
        data = {
            name: request.data.get(name) or request.query_params.get(name)
            for name in ("dataset", "sha256")
        }
        data["file"] = request.data.get("file")
        serializer = s.FileUploadSerializer(data={k: v for k, v in data.items() if v is not None})
        try:
            serializer.is_valid(raise_exception=True)
            dataset = visible_dataset(request, serializer.validated_data["dataset"])
            upload = serializer.validated_data["file"]
            upload_verify(upload=upload, sha256=serializer.validated_data.get("sha256", ""))
            outcome = file_ingest(dataset=dataset, upload=upload, user=request.user)
        finally:
            uploads_discard(request._request)
        return ingest_response(request, outcome)

    @extend_schema(
        summary="Export the files a query finds as an RO-Crate (a zip, streamed)",
        description="The same filters as the list (e.g. `?project=graphene&kind=image`); the "
        "archive is laid out as a dataset's export, without dataset.json and comments.json.",
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        files = self.filter_queryset(self.get_queryset())
        query = request.get_full_path().replace("/export/", "/", 1)
        source = ExportSource(
            files=files,
            name="Files found",
            description=f"The files that {query} found on {timezone.now():%Y-%m-%d %H:%M %Z}.",
            query=query,
        )
        return export_response(source, request._request, "files-ro-crate.zip")

    @extend_schema(
        summary="Download the original file (resumable)",
        description="The original bytes under their original name (`Content-Disposition`). "
        "The `ETag` is the file's SHA-256 in quotes; send it as `If-None-Match` to revalidate, "
        "and `Range` (with `If-Range`) to resume an interrupted download.",
        parameters=DOWNLOAD_PARAMETERS,
        responses=DOWNLOAD_RESPONSES,
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, uid: str | None = None) -> HttpResponse:
        return original_download(request._request, file=self.get_object())

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
        run = file_reextract(file=self.get_object(), user=request.user)
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
