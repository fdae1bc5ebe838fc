"""Extraction runs through the API (read-only: a re-extraction is asked on its file)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from lims.api import serializers as s
from lims.core.permissions import file_filter
from lims.files.filters import ExtractionRunFilterSet
from lims.files.models import ExtractionRun


@extend_schema_view(
    list=extend_schema(summary="Extraction runs of the files you may see, newest first"),
    retrieve=extend_schema(summary="One extraction run"),
)
class ExtractionRunViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ExtractionRunListSerializer
    filterset_class = ExtractionRunFilterSet
    queryset = ExtractionRun.objects.none()

    def get_queryset(self) -> QuerySet[ExtractionRun]:
        return ExtractionRun.objects.filter(
            file_filter(self.request.user, prefix="file__")
        ).select_related("file", "requested_by")
