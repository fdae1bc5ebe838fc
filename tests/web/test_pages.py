"""Home, search, sign-in and error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lims.files.models import ExtractionStatus
from tests.factories import PASSWORD, DatasetFactory, InstrumentFileFactory, ProjectFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client, personas) -> None:
    page = client.get(reverse("login"))
    assert b'name="username"' in page.content
    response = client.post(
        reverse("login"), {"username": "victor", "password": PASSWORD}, follow=True
    )
    assert response.context["user"] == personas.viewer
    assert b"Welcome" in response.content
    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_wrong_password_is_refused_with_a_message(client, personas) -> None:
    response = client.post(reverse("login"), {"username": "victor", "password": "nope"})
    assert response.status_code == 200
    assert b"errorlist" in response.content


def test_password_change(client, personas) -> None:
    client.force_login(personas.viewer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 42",
            "new_password2": "a new long passphrase 42",
        },
        follow=True,
    )
    assert b"Password changed" in response.content
    personas.viewer.refresh_from_db()
    assert personas.viewer.check_password("a new long passphrase 42")


def test_every_page_has_the_search_box(client, personas) -> None:
    for user in (None, personas.viewer):
        if user:
            client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert 'role="search"' in html and f'action="{reverse("search")}"' in html


def test_home_lists_my_projects_and_files_needing_attention(client, personas) -> None:
    failed = InstrumentFileFactory(
        dataset=personas.dataset, status=ExtractionStatus.FAILED, status_message="Broken header"
    )
    done_file(personas.dataset, original_name="fine.dm3")
    client.force_login(personas.contributor)
    html = client.get(reverse("home")).content.decode()
    assert personas.project.name in html
    assert failed.original_name in html and "Broken header" in html
    assert "fine.dm3" not in html  # done files need no attention


def test_anonymous_home_shows_only_public_datasets(client, personas) -> None:
    public = DatasetFactory(project=ProjectFactory(visibility="public"), title="Open data")
    html = client.get(reverse("home")).content.decode()
    assert public.title in html
    assert personas.dataset.title not in html


def test_search_finds_only_what_the_user_may_see(client, personas) -> None:
    done_file(personas.dataset, original_name="secret_lattice.dm3")
    public = DatasetFactory(project=ProjectFactory(visibility="public"), title="Lattice survey")
    done_file(public, original_name="open_lattice.dm3")
    client.force_login(personas.outsider)
    html = client.get(reverse("search"), {"q": "lattice"}).content.decode()
    assert "Lattice survey" in html and "open_lattice.dm3" in html
    assert "secret_lattice.dm3" not in html
    client.force_login(personas.viewer)
    html = client.get(reverse("search"), {"q": "lattice"}).content.decode()
    assert "secret_lattice.dm3" in html


def test_search_by_microscope(client, personas) -> None:
    done_file(personas.dataset, original_name="arm.dm3")
    client.force_login(personas.viewer)
    html = client.get(reverse("search"), {"q": "ARM200F"}).content.decode()
    assert "arm.dm3" in html


def test_error_pages(client, personas) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Nothing here" in response.content
    client.force_login(personas.viewer)
    response = client.get(reverse("manage:dashboard"))
    assert response.status_code == 403
    assert b"You may not do that" in response.content


def test_server_error_page_renders_without_context(rf) -> None:
    from lims.web.views.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_search_query_count_is_bounded(client, personas, django_assert_max_num_queries) -> None:
    for i in range(30):
        done_file(personas.dataset, original_name=f"lattice_{i}.dm3")
    client.force_login(personas.viewer)
    # The process's first search also loads the facet matrix (a snapshot, two COPYs, the tags
    # and the change log: a fixed number, whatever the rows).
    with django_assert_max_num_queries(16):
        client.get(reverse("search"), {"q": "lattice"})
    with django_assert_max_num_queries(10):
        response = client.get(reverse("search"), {"q": "lattice"})
    assert response.content.decode().count("lattice_") >= 30


def test_home_query_count_is_bounded(client, personas, django_assert_max_num_queries) -> None:
    for i in range(20):
        InstrumentFileFactory(dataset=personas.dataset, status=ExtractionStatus.FAILED)
        DatasetFactory(project=personas.project, title=f"Run {i}")
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(10):
        client.get(reverse("home"))


def test_home_refreshes_files_in_progress(client, personas) -> None:
    file = InstrumentFileFactory(dataset=personas.dataset, status=ExtractionStatus.RUNNING)
    client.force_login(personas.contributor)
    assert b'hx-trigger="every 3s"' in client.get(reverse("home")).content
    partial = client.get(reverse("home"), {"partial": "attention"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and file.original_name.encode() in partial.content
    file.status = ExtractionStatus.DONE
    file.save()
    partial = client.get(reverse("home"), {"partial": "attention"}, headers={"HX-Request": "true"})
    assert b"hx-trigger" not in partial.content and b"Nothing is waiting" in partial.content
