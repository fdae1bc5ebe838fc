"""Projects through the API: list, read, create, change; members and groups with roles;
invitations by e-mail."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lims.accounts.models import User
from lims.api import serializers as s
from lims.api.views.common import ERROR
from lims.groups.models import ResearchGroup
from lims.projects.filters import ProjectFilterSet
from lims.projects.invitations import invitation_create, invitation_revoke, invitations_pending
from lims.projects.models import GroupMembership, Membership, Project
from lims.projects.services import (
    group_membership_remove,
    group_membership_set,
    membership_remove,
    membership_set,
    project_create,
    project_update,
)


@extend_schema_view(
    list=extend_schema(summary="Projects you may see"),
    retrieve=extend_schema(summary="One project, with its members and groups and their roles"),
)
class ProjectViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    lookup_field = "slug"
    queryset = Project.objects.none()
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Project]:
        projects = Project.objects.visible_to(self.request.user).select_related("created_by")
        if self.action == "list":
            return projects
        return projects.prefetch_related(
            Prefetch("memberships", Membership.objects.select_related("user")),
            Prefetch("group_memberships", GroupMembership.objects.select_related("group")),
        )

    def get_serializer_class(self) -> type[s.ProjectSerializer]:
        return s.ProjectSerializer if self.action == "list" else s.ProjectDetailSerializer

    def _saved(self, project: Project, code: int) -> Response:
        project = self.get_queryset().get(pk=project.pk)
        return Response(s.ProjectDetailSerializer(project).data, status=code)

    @extend_schema(
        summary="Start a project (you become its manager)",
        request=s.ProjectWriteSerializer,
        examples=[
            OpenApiExample(
                "A private project",
                value={"name": "Perovskite solar cells", "visibility": "private"},
                request_only=True,
            )
        ],
        responses={201: s.ProjectDetailSerializer, 400: ERROR, 401: ERROR},
    )
    def create(self, request: Request) -> Response:
        data = s.ProjectWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields.get("slug") and Project.objects.filter(slug=fields["slug"]).exists():
            raise ValidationError({"slug": ["A project with this slug exists."]})
        project = project_create(created_by=request.user, **fields)
        return self._saved(project, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a project's name, description or visibility (its managers)",
        request=s.ProjectWriteSerializer(partial=True),
        responses={200: s.ProjectDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def partial_update(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        data = s.ProjectWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "slug"}
        project_update(project=project, user=request.user, **fields)
        return self._saved(project, status.HTTP_200_OK)

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        return self.partial_update(request, slug=kwargs.get("slug"))  # type: ignore[arg-type]

    @extend_schema(
        summary="Give a person a role in the project (its managers)",
        request=s.RoleSerializer,
        examples=[OpenApiExample("Make a contributor", value={"role": "contributor"})],
        responses={200: s.MemberSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["put"], url_path=r"members/(?P<username>[^/]+)")
    def member(self, request: Request, slug: str | None = None, username: str = "") -> Response:
        project = self.get_object()
        person = get_object_or_404(User, username=username, is_active=True)
        role = s.RoleSerializer(data=request.data)
        role.is_valid(raise_exception=True)
        try:
            membership = membership_set(
                project=project, member=person, role=role.validated_data["role"], user=request.user
            )
        except ValueError as error:
            raise ValidationError({"role": [str(error)]}) from error
        return Response(s.MemberSerializer(membership).data)

    @extend_schema(
        summary="Take a person out of the project (its managers; the last manager stays)",
        responses={204: None, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @member.mapping.delete
    def member_remove(
        self, request: Request, slug: str | None = None, username: str = ""
    ) -> Response:
        project = self.get_object()
        person = get_object_or_404(project.memberships.all(), user__username=username).user
        try:
            membership_remove(project=project, member=person, user=request.user)
        except ValueError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Give a research group a role in the project (its managers)",
        request=s.RoleSerializer,
        responses={200: s.GroupMemberSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["put"], url_path=r"groups/(?P<group_slug>[^/]+)")
    def group(self, request: Request, slug: str | None = None, group_slug: str = "") -> Response:
        project = self.get_object()
        group = get_object_or_404(ResearchGroup, slug=group_slug)
        role = s.RoleSerializer(data=request.data)
        role.is_valid(raise_exception=True)
        membership = group_membership_set(
            project=project, group=group, role=role.validated_data["role"], user=request.user
        )
        return Response(s.GroupMemberSerializer(membership).data)

    @extend_schema(
        summary="Take a research group out of the project (its managers)",
        responses={204: None, 403: ERROR, 404: ERROR},
    )
    @group.mapping.delete
    def group_remove(
        self, request: Request, slug: str | None = None, group_slug: str = ""
    ) -> Response:
        project = self.get_object()
        group = get_object_or_404(ResearchGroup, slug=group_slug)
        group_membership_remove(project=project, group=group, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The project's pending invitations (its managers)",
        responses={200: s.InvitationSerializer(many=True), 403: ERROR, 404: ERROR},
        methods=["GET"],
    )
    @extend_schema(
        summary="Invite an e-mail address to the project with a role (its managers)",
        description=(
            "The address is e-mailed a link to join; the answer is the same whether or not it "
            "has an account, so nothing about other people's accounts is revealed."
        ),
        request=s.InvitationWriteSerializer,
        examples=[
            OpenApiExample(
                "Invite a contributor",
                value={"email": "ines@example.org", "role": "contributor"},
                request_only=True,
            )
        ],
        responses={201: s.InvitationSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        methods=["POST"],
    )
    @action(detail=True, methods=["get", "post"], url_path="invitations")
    def invitations(self, request: Request, slug: str | None = None) -> Response:
        project = self.get_object()
        if request.method == "GET":
            pending = invitations_pending(project=project, user=request.user)
            return Response(s.InvitationSerializer(pending, many=True).data)
        data = s.InvitationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = invitation_create(
            project=project,
            email=data.validated_data["email"],
            role=data.validated_data["role"],
            user=request.user,
            absolute=request.build_absolute_uri,
        )
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a pending invitation (its managers): its link stops working",
        responses={204: None, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["delete"], url_path=r"invitations/(?P<invitation_id>[0-9]+)")
    def invitation(
        self, request: Request, slug: str | None = None, invitation_id: str = ""
    ) -> Response:
        project = self.get_object()
        # Managers only, before the lookup: nobody else learns which invitations exist.
        pending = {i.pk: i for i in invitations_pending(project=project, user=request.user)}
        invitation = pending.get(int(invitation_id))
        if invitation is None:
            raise NotFound("No pending invitation of this project has this id.")
        try:
            invitation_revoke(invitation=invitation, user=request.user)
        except DjangoValidationError as error:
            raise ValidationError({"detail": error.messages}) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
