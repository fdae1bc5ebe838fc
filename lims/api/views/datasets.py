"""Datasets through the API: list, read, create, change, re-extract."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.api.renderers import JsonLdMixin
from lims.api.views.common import ERROR
from lims.comments.models import Comment
from lims.datasets.filters import DatasetFilterSet
from lims.datasets.models import Dataset
from lims.datasets.services import dataset_create, dataset_update
from lims.fair.datacite import DataCiteUnavailable, dataset_doi_register
from lims.fair.describe import dataset_jsonld, project_shown_to
from lims.fair.export import ExportSource, export_response
from lims.files.models import InstrumentFile
from lims.files.runs.services import dataset_reextract
from lims.projects.models import Project


@extend_schema_view(
    list=extend_schema(summary="Datasets you may see"),
    retrieve=extend_schema(summary="One dataset"),
)
class DatasetViewSet(
    JsonLdMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.DatasetSerializer
    filterset_class = DatasetFilterSet
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
        examples=[
            OpenApiExample(
                "A session",
                value={
                    "project": "graphene",
                    "title": "Titan 2024-03-14",
                    "tags": ["STEM", "graphene"],
                    "license": "CC-BY-4.0",
                },
                request_only=True,
            )
        ],
        responses={201: s.DatasetSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        data = s.DatasetWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = get_object_or_404(
            Project.objects.visible_to(request.user), slug=fields.pop("project")
        )
        try:
            dataset = dataset_create(project=project, created_by=request.user, **fields)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        return self._saved(dataset, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a dataset (its creator, or the project's managers)",
        request=s.DatasetWriteSerializer(partial=True),
        responses={200: s.DatasetSerializer, 400: ERROR, 403: ERROR},
    )
    def update(self, request: Request, uid: str | None = None, partial: bool = False) -> Response:
        dataset = self.get_object()
        data = s.DatasetWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "project"}
        try:
            dataset_update(dataset=dataset, user=request.user, **fields)
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

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.wants_jsonld(request):
            dataset = self.get_object()
            shown = project_shown_to(request.user, dataset)
            jsonld = dataset_jsonld(dataset, request.build_absolute_uri, project_shown=shown)
            return Response(jsonld)
        return super().retrieve(request, *args, **kwargs)

    def get_serializer_class(self) -> type[s.DatasetSerializer]:
        return s.DatasetDetailSerializer if self.action == "retrieve" else s.DatasetSerializer

    @extend_schema(
        summary="Export the dataset as an RO-Crate (a zip, streamed)",
        description="The original files (with their companions) under `data/`, one metadata "
        "JSON per file under `metadata/`, `metadata/files.csv` (every file's normalized "
        "metadata, SI units named in the header), `dataset.json`, `comments.json`, and "
        "`ro-crate-metadata.json` (RO-Crate 1.1, schema.org terms). The detail record's "
        "`export` says how many files and bytes it holds before you download it.",
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 404: ERROR},
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, uid: str | None = None) -> HttpResponse:
        dataset = self.get_object()
        files = InstrumentFile.objects.visible_to(request.user).filter(dataset=dataset)
        comments = Comment.objects.visible_to(request.user).filter(
            Q(dataset=dataset) | Q(file__dataset=dataset)
        )
        source = ExportSource(
            files=files,
            name=dataset.title,
            description=dataset.description,
            dataset=dataset,
            comments=comments,
            project_shown=project_shown_to(request.user, dataset),
        )
        name = f"{slugify(dataset.title) or 'dataset'}-ro-crate.zip"
        return export_response(source, request._request, name)

    @extend_schema(
        summary="Register a DOI for the dataset with DataCite (its project's managers)",
        description="Only when DOI registration is configured (LIMS_DATACITE_PREFIX) and the "
        "dataset is public; the DOI resolves to the dataset's page and is kept in `doi`.",
        request=None,
        responses={201: s.DatasetDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 502: ERROR},
    )
    @action(detail=True, methods=["post"])
    def doi(self, request: Request, uid: str | None = None) -> Response:
        try:
            dataset = dataset_doi_register(
                dataset=self.get_object(), user=request.user, absolute=request.build_absolute_uri
            )
        except DataCiteUnavailable as error:
            return Response({"detail": str(error)}, status=status.HTTP_502_BAD_GATEWAY)
        dataset = self.get_queryset().get(pk=dataset.pk)
        return Response(
            s.DatasetDetailSerializer(dataset, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Extract every file of the dataset again (queued; answers at once)",
        request=None,
        responses={202: s.ReextractResultSerializer, 403: ERROR},
    )
    @action(detail=True, methods=["post"])
    def reextract(self, request: Request, uid: str | None = None) -> Response:
        queued = dataset_reextract(dataset=self.get_object(), user=request.user)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)
