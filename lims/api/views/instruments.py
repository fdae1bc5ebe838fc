"""The facility's instruments through the API (read-only; facility managers edit them in the
admin)."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from lims.api import serializers as s
from lims.core.permissions import file_filter
from lims.instruments.filters import InstrumentFilterSet
from lims.instruments.models import Instrument


@extend_schema_view(
    list=extend_schema(summary="The facility's instruments"),
    retrieve=extend_schema(summary="One instrument"),
)
class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.InstrumentSerializer
    filterset_class = InstrumentFilterSet
    queryset = Instrument.objects.none()

    def get_queryset(self) -> QuerySet[Instrument]:
        # The count is of the files the user may see, like the instrument pages'.
        return Instrument.objects.annotate(
            n_files=Count("files", filter=file_filter(self.request.user, prefix="files__"))
        )
