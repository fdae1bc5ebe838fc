"""Comments on datasets and files through the API."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from lims.api import serializers as s
from lims.api.views.common import ERROR, visible_target
from lims.comments.filters import CommentFilterSet
from lims.comments.models import Comment
from lims.comments.services import comment_create, comment_delete, comment_update


@extend_schema_view(
    list=extend_schema(summary="Comments you may read (filter by dataset or file)"),
    retrieve=extend_schema(summary="One comment"),
    destroy=extend_schema(
        summary="Delete a comment (its author, the project's managers)",
        responses={204: None, 403: ERROR, 404: ERROR},
    ),
)
class CommentViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CommentSerializer
    filterset_class = CommentFilterSet
    queryset = Comment.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.visible_to(self.request.user).select_related(
            "author", "dataset", "file"
        )

    @extend_schema(
        summary="Comment on a dataset or a file (anyone who may see it, signed in)",
        request=s.CommentWriteSerializer,
        examples=[
            OpenApiExample(
                "On a file",
                value={
                    "file": "3f2b8f4e-4c1e-4a57-9d1c-8c6f0e0b1a2d",
                    "body": "Drift corrected in the second half.",
                },
                request_only=True,
            )
        ],
        responses={201: s.CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request: Request) -> Response:
        data = s.CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        target = visible_target(request, fields)
        comment = comment_create(author=request.user, body=fields["body"], target=target)
        comment = self.get_queryset().get(pk=comment.pk)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a comment's text (its author)",
        request=s.CommentBodySerializer,
        responses={200: s.CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        comment = self.get_object()
        data = s.CommentBodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment_update(comment=comment, user=request.user, body=data.validated_data["body"])
        return Response(s.CommentSerializer(comment).data)

    def perform_destroy(self, instance: Comment) -> None:
        comment_delete(comment=instance, user=self.request.user)
