"""Bad input is a clear 4xx, never a 500: malformed headers, NUL characters in queries, titles
already taken (one at a time or at the same moment) and names outside Latin-1."""

from __future__ import annotations

import threading
from urllib.parse import unquote

import pytest
from django.db import connection
from rest_framework.test import APIClient

from lims.datasets.models import Dataset
from tests.factories import DatasetFactory, api_key_for
from tests.web.conftest import done_file


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "²", " 12x"])
@pytest.mark.parametrize(
    "url", ["/api/datasets/", "/api/files/", "/accounts/login/", "/datasets/new/in/graphene/"]
)
def test_a_malformed_content_length_is_a_400(personas, client, url, length) -> None:
    client.force_login(personas.manager)
    response = client.post(
        url, b"title=x", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=length
    )
    assert response.status_code == 400
    assert "Content-Length must be a number of bytes" in response.content.decode()
    assert not Dataset.objects.filter(title="x").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/search/",
        "/projects/",
        "/",
        "/instruments/",
        "/trash/",
        "/facility/people/",
        "/facility/audit/",
        "/facility/projects/",
        "/facility/groups/",
        "/api/files/",
        "/api/datasets/",
        "/api/projects/",
    ],
)
@pytest.mark.parametrize("query", ["q=%00", "q=lattice%00", "sort=%00", "microscope=%00x"])
def test_a_nul_character_in_a_query_is_a_400(personas, client, path, query) -> None:
    client.force_login(personas.facility_manager)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    anonymous = APIClient().get(f"{path}?{query}")  # reachable without signing in
    assert anonymous.status_code == 400


@pytest.mark.django_db
def test_the_dataset_page_with_a_nul_in_its_query_is_a_400(personas, client) -> None:
    client.force_login(personas.viewer)
    assert client.get(f"/datasets/{personas.dataset.uid}/?q=%00").status_code == 400
    assert client.get(f"/datasets/{personas.dataset.uid}/").status_code == 200


@pytest.mark.django_db
def test_renaming_a_dataset_to_a_title_taken_in_its_project_says_so(
    personas, api_client_for, client
) -> None:
    DatasetFactory(project=personas.project, title="Taken", created_by=personas.manager)
    api = api_client_for(personas.manager)
    url = f"/api/datasets/{personas.dataset.uid}/"
    response = api.patch(url, {"title": "Taken"}, format="json")
    assert response.status_code == 400
    assert response.json()["title"] == ["The project already has a dataset of this title."]
    client.force_login(personas.manager)
    page = client.post(f"/datasets/{personas.dataset.uid}/edit/", {"title": "Taken"})
    assert page.status_code == 200
    assert "already has a dataset of this title" in page.content.decode()
    personas.dataset.refresh_from_db()
    assert personas.dataset.title != "Taken"


@pytest.mark.django_db(transaction=True)
def test_eight_creates_with_one_title_at_once_make_one_dataset(personas) -> None:
    key = api_key_for(personas.manager)
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/datasets/", {"project": "graphene", "title": "Same moment"}, format="json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [400] * 7
    assert Dataset.objects.filter(title="Same moment").count() == 1


@pytest.mark.django_db
def test_names_outside_latin_1_in_downloads_and_uploads(personas, client, api_client_for) -> None:
    instrument_file = done_file(personas.dataset, original_name="Ωμέγα 名前.dm3")
    client.force_login(personas.viewer)
    response = client.get(f"/files/{instrument_file.uid}/download/?zip=1")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "Ωμέγα 名前.zip"
    b"".join(response.streaming_content)
    # A raw upload naming its file in UTF-8 (as curl sends it) keeps the name.
    header = 'attachment; filename="Ωμέγα.dm3"'.encode().decode("latin-1")
    upload = api_client_for(personas.contributor).post(
        f"/api/files/?dataset={personas.dataset.uid}",
        b"abc",
        content_type="application/octet-stream",
        HTTP_CONTENT_DISPOSITION=header,
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["original_name"] == "Ωμέγα.dm3"
    # Or in RFC 5987 form.
    upload = api_client_for(personas.contributor).post(
        f"/api/files/?dataset={personas.dataset.uid}",
        b"abcd",
        content_type="application/octet-stream",
        HTTP_CONTENT_DISPOSITION="attachment; filename*=UTF-8''%E5%90%8D%E5%89%8D.dm3",
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["original_name"] == "名前.dm3"
