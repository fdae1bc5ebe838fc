"""The signed-in user and their personal API tokens."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lims.accounts.models import ApiToken
from lims.accounts.services import api_token_create, api_token_revoke, api_tokens_visible
from lims.api import serializers as s
from lims.api.views.common import ERROR


class MeView(APIView):
    """Who the token or session belongs to."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="The signed-in user", responses={200: s.MeSerializer, 401: ERROR})
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(
        summary="Your API tokens (a facility manager's: everyone's)",
        parameters=[
            OpenApiParameter(
                "user",
                OpenApiTypes.STR,
                description="Only this user's tokens (a user name; facility managers).",
            )
        ],
    ),
    destroy=extend_schema(
        summary="Revoke a token (its owner, or a facility manager)",
        responses={204: None, 404: ERROR},
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Personal API tokens: made with a name and an optional expiry, the key shown once in
    the answer to ``POST`` (only its hash is kept), listed with when each was last used."""

    serializer_class = s.ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> QuerySet[ApiToken]:
        tokens = api_tokens_visible(self.request.user)
        if username := self.request.query_params.get("user"):
            tokens = tokens.filter(user__username=username)
        return tokens

    @extend_schema(
        summary="Make a token (the key is in this answer only)",
        request=s.ApiTokenCreateSerializer,
        examples=[
            OpenApiExample(
                "A token for an instrument PC",
                value={"name": "Titan PC", "expires_at": "2027-12-31T23:59:59Z"},
                request_only=True,
            )
        ],
        responses={201: s.ApiTokenCreatedSerializer, 400: ERROR},
    )
    def create(self, request: Request) -> Response:
        data = s.ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token, key = api_token_create(user=request.user, **data.validated_data)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        token.key = key  # type: ignore[attr-defined]
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        api_token_revoke(token=instance, user=self.request.user)
