"""Projects through the API."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from lims.api import serializers as s
from lims.projects.filters import ProjectFilterSet
from lims.projects.models import Project


@extend_schema_view(
    list=extend_schema(summary="Projects you may see"),
    retrieve=extend_schema(summary="One project"),
)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    lookup_field = "slug"
    queryset = Project.objects.none()

    def get_queryset(self) -> QuerySet[Project]:
        return Project.objects.visible_to(self.request.user)
