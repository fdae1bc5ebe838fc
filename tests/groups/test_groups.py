"""Research groups: managed by facility managers, given roles in projects by project
managers; their members act with the group's role (or their own, if higher)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lims.audit.models import AuditEvent
from lims.groups.models import ResearchGroup
from lims.groups.services import group_create, group_member_add
from lims.projects.models import GroupMembership
from tests.factories import ResearchGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["manager", "viewer", "outsider", "anonymous"])
def test_only_facility_managers_manage_groups(personas, persona):
    with pytest.raises(PermissionDenied):
        group_create(name="Cryo lab", user=getattr(personas, persona))
    with pytest.raises(PermissionDenied):
        group_member_add(group=personas.group, member=personas.outsider, user=personas.manager)


def test_facility_pages_create_a_group_and_add_and_remove_members(client, personas):
    client.force_login(personas.facility_manager)
    response = client.post(reverse("manage:groups"), {"name": "Cryo lab", "description": "EM"})
    group = ResearchGroup.objects.get(name="Cryo lab")
    assert response.url == group.get_absolute_url() == "/facility/groups/cryo-lab/"
    members_url = reverse("manage:group-members", args=["cryo-lab"])
    client.post(members_url, {"username": "oscar@facility.example.org"})
    client.post(members_url, {"username": "victor"})
    assert set(group.members.values_list("username", flat=True)) == {"oscar", "victor"}
    client.post(members_url, {"remove": personas.viewer.pk})
    assert list(group.members.values_list("username", flat=True)) == ["oscar"]
    response = client.post(reverse("manage:groups"), {"name": "cryo LAB"})
    assert "exists already" in response.content.decode()
    page = client.get(reverse("manage:groups")).content.decode()
    assert "Cryo lab" in page and "Electron Lab" in page
    actions = list(AuditEvent.objects.exclude(action="sign_in").values_list("action", flat=True))
    assert sorted(actions) == sorted(
        ["group_created", "group_member_added", "group_member_added", "group_member_removed"]
    )


def test_a_project_manager_adds_a_group_and_its_members_get_its_role(
    client, personas, api_client_for
):
    lab = ResearchGroupFactory(name="Cryo lab", slug="cryo-lab", members=[personas.outsider])
    upload = {"dataset": str(personas.dataset.uid), "file": SimpleUploadedFile("a.dm3", b"x" * 64)}
    assert api_client_for(personas.outsider).post("/api/files/", upload).status_code == 404
    client.force_login(personas.manager)
    client.post(
        reverse("projects:group-add", args=["graphene"]), {"group": lab.pk, "role": "contributor"}
    )
    assert GroupMembership.objects.get(project=personas.project, group=lab).role == "contributor"
    upload["file"] = SimpleUploadedFile("a.dm3", b"x" * 64)
    assert api_client_for(personas.outsider).post("/api/files/", upload).status_code in {201, 202}
    page = client.get(personas.project.get_absolute_url()).content.decode()
    assert "Cryo lab" in page and 'id="groups"' in page
    client.post(
        reverse("projects:group-update", args=["graphene", lab.pk]),
        {"role": "viewer", "action": "set"},
    )
    upload["file"] = SimpleUploadedFile("b.dm3", b"y" * 64)
    assert api_client_for(personas.outsider).post("/api/files/", upload).status_code == 403
    client.post(reverse("projects:group-update", args=["graphene", lab.pk]), {"action": "remove"})
    assert (
        api_client_for(personas.outsider).get(f"/api/datasets/{personas.dataset.uid}/").status_code
        == 404
    )
    events = AuditEvent.objects.filter(project_id=personas.project.pk).order_by("id")
    assert [(e.action, e.detail.get("role")) for e in events if e.action.startswith("group")] == [
        ("group_role_set", "contributor"),
        ("group_role_set", "viewer"),
        ("group_role_removed", None),
    ]


@pytest.mark.parametrize("persona", ["viewer", "contributor", "group_member"])
def test_members_below_manager_cannot_add_groups(client, personas, persona):
    lab = ResearchGroupFactory()
    client.force_login(getattr(personas, persona))
    response = client.post(
        reverse("projects:group-add", args=["graphene"]), {"group": lab.pk, "role": "manager"}
    )
    assert response.status_code == 403
    assert not GroupMembership.objects.filter(group=lab).exists()


def test_my_projects_include_those_of_my_groups(client, personas):
    client.force_login(personas.group_member)
    home = client.get(reverse("home"))
    assert [(m["project"].slug, m["role"]) for m in home.context["memberships"]] == [
        ("graphene", "contributor")
    ]
    listing = client.get(reverse("projects:list"))
    assert listing.context["mine"] == {personas.project.pk}


def test_deleting_a_group_ends_the_roles_it_gave(client, personas):
    client.force_login(personas.facility_manager)
    client.post(reverse("manage:group-delete", args=["electron-lab"]))
    client.force_login(personas.group_member)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 404


def test_project_page_queries_do_not_grow_with_groups(
    client, personas, django_assert_max_num_queries
):
    for n in range(10):
        lab = ResearchGroupFactory(members=[UserFactory(username=f"m{n}")])
        GroupMembership.objects.create(project=personas.project, group=lab, role="viewer")
    client.force_login(personas.manager)
    with django_assert_max_num_queries(16):
        client.get(personas.project.get_absolute_url())
