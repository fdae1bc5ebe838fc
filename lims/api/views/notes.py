"""Notes (user metadata: key, value, unit) on datasets and files through the API."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.api.views.common import ERROR, visible_target
from lims.notes.filters import NoteFilterSet
from lims.notes.models import Note
from lims.notes.services import note_add, note_delete, note_update


@extend_schema_view(
    list=extend_schema(summary="User metadata you may read (filter by dataset, file or key)"),
    retrieve=extend_schema(summary="One note"),
    destroy=extend_schema(
        summary="Remove a note (its author, the project's managers)",
        responses={204: None, 403: ERROR, 404: ERROR},
    ),
)
class NoteViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.NoteSerializer
    filterset_class = NoteFilterSet
    queryset = Note.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Note]:
        return Note.objects.visible_to(self.request.user).select_related(
            "dataset", "file", "created_by", "updated_by"
        )

    @extend_schema(
        summary="Add a key-value note to a dataset or a file (its contributors)",
        request=s.NoteWriteSerializer,
        examples=[
            OpenApiExample(
                "Annealing temperature of a file",
                value={
                    "file": "3f2b8f4e-4c1e-4a57-9d1c-8c6f0e0b1a2d",
                    "key": "annealing temperature",
                    "value": "450",
                    "unit": "degC",
                },
                request_only=True,
            )
        ],
        responses={201: s.NoteSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        data = s.NoteWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        note = note_add(
            target=visible_target(request, fields),
            key=fields["key"],
            value=fields["value"],
            unit=fields.get("unit", ""),
            user=request.user,
        )
        note = self.get_queryset().get(pk=note.pk)
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a note (its author, the project's managers)",
        request=s.NoteValueSerializer,
        responses={200: s.NoteSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        note = self.get_object()
        data = s.NoteValueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        note_update(
            note=note,
            key=fields["key"],
            value=fields["value"],
            unit=fields.get("unit", ""),
            user=request.user,
        )
        return Response(s.NoteSerializer(self.get_queryset().get(pk=note.pk)).data)

    def perform_destroy(self, instance: Note) -> None:
        note_delete(note=instance, user=self.request.user)
