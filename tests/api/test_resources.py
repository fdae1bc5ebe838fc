"""Projects with members, comments, extraction runs, instruments, and paging through files."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lims.projects.models import Membership
from tests.factories import (
    CommentFactory,
    ExtractionRunFactory,
    InstrumentFactory,
    InstrumentFileFactory,
    ResearchGroupFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get("/api/v1/me/")  # the token's last use is noted once a minute: not counted
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_projects_started_changed_and_members_managed(personas, api_client_for):
    client = api_client_for(personas.contributor)
    made = client.post(
        "/api/v1/projects/", {"name": "Perovskites", "visibility": "private"}, format="json"
    )
    assert made.status_code == 201
    project = made.json()
    assert project["slug"] == "perovskites" and project["visibility"] == "private"
    assert [(m["username"], m["role"]) for m in project["members"]] == [("carla", "manager")]
    changed = client.patch("/api/v1/projects/perovskites/", {"description": "Halides."})
    assert changed.status_code == 200 and changed.json()["description"] == "Halides."

    added = client.put("/api/v1/projects/perovskites/members/victor/", {"role": "viewer"})
    assert added.status_code == 200 and added.json()["role"] == "viewer"
    viewer = api_client_for(personas.viewer)
    assert viewer.get("/api/v1/projects/perovskites/").status_code == 200
    assert viewer.patch("/api/v1/projects/perovskites/", {"name": "x"}).status_code == 403
    assert (
        viewer.put("/api/v1/projects/perovskites/members/oscar/", {"role": "viewer"}).status_code
        == 403
    )
    assert (
        client.put("/api/v1/projects/perovskites/members/victor/", {"role": "boss"}).status_code
        == 400
    )
    assert (
        client.put("/api/v1/projects/perovskites/members/nobody/", {"role": "viewer"}).status_code
        == 404
    )
    last = client.delete("/api/v1/projects/perovskites/members/carla/")
    assert last.status_code == 400 and "at least one manager" in last.json()["detail"]
    assert client.delete("/api/v1/projects/perovskites/members/victor/").status_code == 204
    assert viewer.get("/api/v1/projects/perovskites/").status_code == 404

    group = ResearchGroupFactory(name="Halide Lab", slug="halide-lab")
    assert client.put(
        "/api/v1/projects/perovskites/groups/halide-lab/", {"role": "contributor"}
    ).json() == {
        "group": "halide-lab",
        "name": "Halide Lab",
        "role": "contributor",
        "added_at": client.get("/api/v1/projects/perovskites/").json()["groups"][0]["added_at"],
    }
    assert client.delete(f"/api/v1/projects/perovskites/groups/{group.slug}/").status_code == 204
    assert client.get("/api/v1/projects/perovskites/").json()["groups"] == []
    taken = client.post("/api/v1/projects/", {"name": "Other", "slug": "graphene"})
    assert taken.status_code == 400 and "slug" in taken.json()
    assert api_client_for().post("/api/v1/projects/", {"name": "x"}).status_code == 401


def test_project_lists_and_details_have_bounded_queries(personas, api_client_for):
    client = api_client_for(personas.facility_manager)
    few = _queries(client, "/api/v1/projects/graphene/")
    for name in ["u1", "u2", "u3"]:
        from tests.factories import UserFactory

        Membership.objects.create(project=personas.project, user=UserFactory(username=name))
    assert _queries(client, "/api/v1/projects/graphene/") == few <= 8


def test_comments_on_datasets_and_files(personas, api_client_for):
    instrument_file = InstrumentFileFactory(dataset=personas.dataset, original_name="a.dm3")
    viewer = api_client_for(personas.viewer)
    on_dataset = viewer.post(
        "/api/v1/comments/", {"dataset": str(personas.dataset.uid), "body": "Nice series."}
    )
    assert on_dataset.status_code == 201
    assert on_dataset.json()["author"] == "victor" and on_dataset.json()["file"] is None
    on_file = viewer.post("/api/v1/comments/", {"file": str(instrument_file.uid), "body": "Drift?"})
    assert on_file.status_code == 201
    listed = viewer.get(f"/api/v1/comments/?file={instrument_file.uid}").json()["results"]
    assert [c["body"] for c in listed] == ["Drift?"]
    listed = viewer.get(f"/api/v1/comments/?dataset={personas.dataset.uid}").json()["results"]
    assert [c["body"] for c in listed] == ["Nice series."]
    both = viewer.post(
        "/api/v1/comments/",
        {"dataset": str(personas.dataset.uid), "file": str(instrument_file.uid), "body": "x"},
    )
    assert both.status_code == 400
    empty = viewer.post("/api/v1/comments/", {"dataset": str(personas.dataset.uid), "body": " "})
    assert empty.status_code == 400

    comment_id = on_file.json()["id"]
    contributor = api_client_for(personas.contributor)
    assert contributor.patch(f"/api/v1/comments/{comment_id}/", {"body": "no"}).status_code == 403
    edited = viewer.patch(f"/api/v1/comments/{comment_id}/", {"body": "Drift, corrected."})
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    outsider = api_client_for(personas.outsider)
    assert outsider.get(f"/api/v1/comments/{comment_id}/").status_code == 404
    assert outsider.get("/api/v1/comments/").json()["results"] == []
    refused = outsider.post("/api/v1/comments/", {"file": str(instrument_file.uid), "body": "x"})
    assert refused.status_code == 404
    assert (
        api_client_for(personas.manager).delete(f"/api/v1/comments/{comment_id}/").status_code
        == 204
    )


def test_comment_list_queries_do_not_grow(personas, api_client_for):
    client = api_client_for(personas.viewer)
    CommentFactory(dataset=personas.dataset, author=personas.viewer)
    few = _queries(client, "/api/v1/comments/")
    for _ in range(5):
        CommentFactory(dataset=personas.dataset, author=personas.contributor)
    assert _queries(client, "/api/v1/comments/") == few <= 6


def test_runs_and_instruments(personas, api_client_for):
    titan = InstrumentFactory(name="Titan", vendor="Thermo Fisher")
    InstrumentFactory(name="Old SEM", active=False)
    instrument_file = InstrumentFileFactory(dataset=personas.dataset, instrument=titan)
    run = ExtractionRunFactory(file=instrument_file, status="done")
    viewer = api_client_for(personas.viewer)
    runs = viewer.get(f"/api/v1/runs/?file={instrument_file.uid}").json()["results"]
    assert [(r["id"], r["status"], r["file"]) for r in runs] == [
        (run.pk, "done", str(instrument_file.uid))
    ]
    assert viewer.get(f"/api/v1/runs/{run.pk}/").status_code == 200
    outsider = api_client_for(personas.outsider)
    assert outsider.get(f"/api/v1/runs/{run.pk}/").status_code == 404
    assert outsider.get("/api/v1/runs/").json()["results"] == []

    listed = viewer.get("/api/v1/instruments/?active=true").json()["results"]
    assert [(i["name"], i["n_files"]) for i in listed] == [("Titan", 1)]
    assert outsider.get(f"/api/v1/instruments/{titan.pk}/").json()["n_files"] == 0
    assert [i["name"] for i in viewer.get("/api/v1/instruments/?q=sem").json()["results"]] == [
        "Old SEM"
    ]
    few = _queries(viewer, "/api/v1/runs/")
    for _ in range(4):
        ExtractionRunFactory(file=instrument_file)
    assert _queries(viewer, "/api/v1/runs/") == few <= 6


def test_files_are_paged_by_cursor_in_a_stable_order(personas, api_client_for):
    for i in range(7):
        InstrumentFileFactory(
            dataset=personas.dataset, original_name=f"f{i}.dm3", content=b"x" * (10 + (i * 3) % 7)
        )
    client = api_client_for(personas.viewer)
    names: list[str] = []
    url = "/api/v1/files/?page_size=3"
    pages = 0
    while url:
        page = client.get(url).json()
        assert "count" not in page
        names += [f["original_name"] for f in page["results"]]
        url = page["next"]
        pages += 1
        # A file added while paging does not shift what is still to come.
        if pages == 1:
            InstrumentFileFactory(dataset=personas.dataset, original_name="a-first.dm3")
    assert pages == 3
    assert names == [f"f{i}.dm3" for i in range(7)]

    by_size = client.get("/api/v1/files/?sort=-size&page_size=4").json()
    sizes = [f["size"] for f in by_size["results"]]
    assert sizes == sorted(sizes, reverse=True) and "cursor=" in by_size["next"]
    rest = client.get(by_size["next"]).json()
    assert max(f["size"] for f in rest["results"]) <= min(sizes)
    # Sorts a cursor cannot follow are paged by number.
    by_kind = client.get("/api/v1/files/?sort=kind&page_size=5").json()
    assert by_kind["count"] == 8 and "page=2" in by_kind["next"]
    assert client.get("/api/v1/files/?cursor=garbage").status_code == 404


def test_token_and_instrument_lists_have_bounded_queries(personas, api_client_for):
    from lims.accounts.services import api_token_create

    client = api_client_for(personas.facility_manager)
    InstrumentFactory(name="Titan")
    api_token_create(user=personas.viewer, name="one")
    tokens, instruments = (
        _queries(client, "/api/v1/tokens/"),
        _queries(client, "/api/v1/instruments/"),
    )
    for i in range(4):
        InstrumentFactory(name=f"SEM {i}")
        api_token_create(user=personas.viewer, name=f"more {i}")
    assert _queries(client, "/api/v1/tokens/") == tokens <= 4
    assert _queries(client, "/api/v1/instruments/") == instruments <= 5


def test_user_metadata_notes(personas, api_client_for):
    instrument_file = InstrumentFileFactory(dataset=personas.dataset, original_name="a.dm3")
    contributor = api_client_for(personas.contributor)
    made = contributor.post(
        "/api/v1/notes/",
        {"file": str(instrument_file.uid), "key": "anneal", "value": "450", "unit": "degC"},
    )
    assert made.status_code == 201
    note = made.json()
    assert (note["key"], note["number"], note["created_by"]) == ("anneal", 450.0, "carla")
    on_dataset = contributor.post(
        "/api/v1/notes/",
        {"dataset": str(personas.dataset.uid), "key": "sample ID", "value": "GR-17"},
    )
    assert on_dataset.status_code == 201
    taken = contributor.post(
        "/api/v1/notes/", {"dataset": str(personas.dataset.uid), "key": "sample ID", "value": "x"}
    )
    assert taken.status_code == 400 and "key" in taken.json()
    viewer = api_client_for(personas.viewer)
    listed = viewer.get(f"/api/v1/notes/?file={instrument_file.uid}").json()["results"]
    assert [(n["key"], n["value"], n["unit"]) for n in listed] == [("anneal", "450", "degC")]
    assert (
        viewer.post(
            "/api/v1/notes/", {"file": str(instrument_file.uid), "key": "k", "value": "v"}
        ).status_code
        == 403
    )
    assert (
        viewer.patch(f"/api/v1/notes/{note['id']}/", {"key": "anneal", "value": "1"}).status_code
        == 403
    )
    changed = contributor.patch(
        f"/api/v1/notes/{note['id']}/", {"key": "anneal", "value": "500", "unit": "degC"}
    )
    assert changed.status_code == 200 and changed.json()["number"] == 500.0
    outsider = api_client_for(personas.outsider)
    assert outsider.get(f"/api/v1/notes/{note['id']}/").status_code == 404
    assert (
        api_client_for(personas.manager).delete(f"/api/v1/notes/{note['id']}/").status_code == 204
    )
    few = _queries(viewer, "/api/v1/notes/")
    for i in range(4):
        contributor.post(
            "/api/v1/notes/", {"file": str(instrument_file.uid), "key": f"k{i}", "value": "1"}
        )
    assert _queries(viewer, "/api/v1/notes/") == few <= 6
