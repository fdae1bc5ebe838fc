"""Every count goes through the permission seam: a public project's private dataset (and its
files) is counted for its members only, in the project list, on the home page, in search
results, on the instruments' page and in the API's list counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from tests.factories import DatasetFactory, InstrumentFactory, MembershipFactory, ProjectFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_open(personas):
    """A public project with a public dataset and a private one, a file in each."""
    project = ProjectFactory(visibility="public", slug="half-open", name="Half open")
    MembershipFactory(project=project, user=personas.viewer, role="viewer")
    instrument = InstrumentFactory(name="Counted ARM")
    public = DatasetFactory(project=project, title="Counted open dataset")
    private = DatasetFactory(project=project, title="Counted closed dataset", visibility="private")
    done_file(public, original_name="counted-open.dm3", instrument=instrument)
    done_file(private, original_name="counted-closed.dm3", instrument=instrument)
    return project, instrument


@pytest.mark.parametrize(("persona", "seen"), [("anonymous", 1), ("outsider", 1), ("viewer", 2)])
def test_counts_leave_out_what_the_user_may_not_see(client, personas, half_open, persona, seen):
    _project, instrument = half_open
    user = getattr(personas, persona)
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    listed = {p.slug: p for p in client.get("/projects/").context["page_obj"]}
    assert listed["half-open"].n_datasets == seen
    result = client.get("/search/?q=counted").context["result"]
    assert result.count == seen
    facet_counts = [value.count for values in result.facets.values() for value in values]
    assert facet_counts and max(facet_counts) == seen  # the facets count what is seen too
    instruments = {i.pk: i for i in client.get("/instruments/").context["instruments"]}
    assert instruments[instrument.pk].n_files == seen
    if persona == "viewer":  # the home page counts the datasets of the member's projects
        mine = {m["project"].slug: m for m in client.get("/").context["memberships"]}
        assert mine["half-open"]["n_datasets"] == 2
    api = APIClient()
    if not isinstance(user, AnonymousUser):
        api.force_authenticate(user)
    assert api.get("/api/v1/datasets/?project=half-open").json()["count"] == seen
    assert len(api.get("/api/v1/files/?q=counted").json()["results"]) == seen  # by cursor
    assert api.get("/api/v1/search/?q=counted").json()["count"] == seen
