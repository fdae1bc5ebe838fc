"""Dataset pages: facts, the sortable paginated file table, gallery, live refresh, forms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lims.datasets.models import Dataset
from lims.files.models import ExtractionStatus
from tests.factories import DatasetFactory, InstrumentFileFactory, TagFactory
from tests.html import page
from tests.web.conftest import done_file, summary

pytestmark = pytest.mark.django_db


def _names(html: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', html)


def test_dataset_page_shows_its_facts(client, personas) -> None:
    dataset = personas.dataset
    dataset.license = "CC-BY-4.0"
    dataset.save()
    dataset.tags.add(TagFactory(name="graphene"))
    done_file(dataset, original_name="a.dm3")
    client.force_login(personas.viewer)
    html = client.get(dataset.get_absolute_url()).content.decode()
    for text in (
        dataset.title,
        "CC-BY-4.0",
        "graphene",
        "Private",
        "a.dm3",
        "digitalmicrograph/dm3",
        "JEM-ARM200F",
        dataset.created_by.get_full_name(),
    ):
        assert text in html, text  # fmt: skip


def test_dataset_is_404_for_outsiders_and_anonymous(client, personas) -> None:
    url = personas.dataset.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_public_dataset_in_private_project_is_visible(client, personas) -> None:
    dataset = DatasetFactory(project=personas.project, visibility="public", title="Released")
    assert client.get(dataset.get_absolute_url()).status_code == 200


def test_file_table_sorts_by_column(client, personas) -> None:
    done_file(personas.dataset, original_name="b.dm3", size=300)
    done_file(personas.dataset, original_name="a.dm3", size=100)
    done_file(personas.dataset, original_name="c.dm3", size=200,
              metadata=summary(microscope="Titan"))  # fmt: skip
    client.force_login(personas.viewer)
    url = personas.dataset.get_absolute_url()
    assert _names(client.get(url).content.decode()) == ["a.dm3", "b.dm3", "c.dm3"]
    assert _names(client.get(url, {"sort": "-name"}).content.decode()) == [
        "c.dm3", "b.dm3", "a.dm3"]  # fmt: skip
    assert _names(client.get(url, {"sort": "-size"}).content.decode()) == [
        "b.dm3", "c.dm3", "a.dm3"]  # fmt: skip
    assert _names(client.get(url, {"sort": "microscope"}).content.decode())[0] == "a.dm3"
    assert _names(client.get(url, {"sort": "-microscope"}).content.decode())[0] == "c.dm3"
    html = client.get(url, {"sort": "-size"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert _names(client.get(url, {"sort": "bogus"}).content.decode())[0] == "a.dm3"


def test_file_table_is_paginated(client, personas) -> None:
    for i in range(55):
        InstrumentFileFactory(dataset=personas.dataset, original_name=f"f{i:03d}.dm3")
    client.force_login(personas.viewer)
    url = personas.dataset.get_absolute_url()
    first = client.get(url).content.decode()
    assert len(_names(first)) == 50 and "1\u201350 of 55" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert _names(second) == [f"f{i:03d}.dm3" for i in range(50, 55)]


def test_gallery_view(client, personas) -> None:
    done_file(personas.dataset, original_name="g.dm3")
    client.force_login(personas.viewer)
    html = client.get(personas.dataset.get_absolute_url(), {"view": "gallery"}).content.decode()
    assert 'class="gallery"' in html and "g.dm3" in html


def test_file_list_polls_while_files_are_extracting(client, personas) -> None:
    file = InstrumentFileFactory(dataset=personas.dataset, status=ExtractionStatus.RUNNING)
    client.force_login(personas.viewer)
    url = personas.dataset.get_absolute_url()
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in html
    partial = client.get(url, {"partial": "files"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b'id="file-list"' in partial.content
    file.status = ExtractionStatus.DONE
    file.save()
    partial = client.get(url, {"partial": "files"}, headers={"HX-Request": "true"})
    assert b"hx-trigger" not in partial.content  # polling stops once everything is done


def test_dataset_page_query_count_does_not_grow_with_files(
    client, personas, django_assert_max_num_queries
) -> None:
    for i in range(120):
        done_file(personas.dataset, original_name=f"f{i:03d}.dm3", with_previews=(i % 2 == 0))
    client.force_login(personas.viewer)
    # 14 for the page, 4 for its schema.org description (totals, techniques, instruments, tags).
    with django_assert_max_num_queries(18):
        response = client.get(personas.dataset.get_absolute_url())
    assert response.status_code == 200
    with django_assert_max_num_queries(18):
        gallery = client.get(
            personas.dataset.get_absolute_url(), {"view": "gallery", "sort": "-acquired"}
        )
    assert gallery.status_code == 200
    assert len(page(gallery).select(".gallery li")) == 48  # the first page of 120


def test_contributor_creates_a_dataset(client, personas) -> None:
    client.force_login(personas.contributor)
    response = client.post(
        reverse("datasets:create", args=["graphene"]),
        {"title": "Heating run 3", "description": "", "visibility": "", "tags": "heating, in situ",
         "license": "CC-BY-4.0"},
    )  # fmt: skip
    dataset = Dataset.objects.get(title="Heating run 3")
    assert response.url == dataset.get_absolute_url()
    assert sorted(t.name for t in dataset.tags.all()) == ["heating", "in situ"]


def test_duplicate_title_is_a_form_error(client, personas) -> None:
    client.force_login(personas.contributor)
    response = client.post(
        reverse("datasets:create", args=["graphene"]),
        {"title": personas.dataset.title, "visibility": ""},
    )
    assert response.status_code == 200 and b"already has a dataset" in response.content


def test_viewer_cannot_create_or_edit(client, personas) -> None:
    client.force_login(personas.viewer)
    assert client.get(reverse("datasets:create", args=["graphene"])).status_code == 403
    assert client.get(reverse("datasets:edit", args=[personas.dataset.uid])).status_code == 403
    html = client.get(personas.dataset.get_absolute_url()).content.decode()
    assert "dropzone" not in html


def test_creator_edits_the_dataset(client, personas) -> None:
    client.force_login(personas.contributor)
    client.post(
        reverse("datasets:edit", args=[personas.dataset.uid]),
        {"title": "Renamed", "description": "New words", "visibility": "internal", "tags": "x",
         "license": ""},
    )  # fmt: skip
    personas.dataset.refresh_from_db()
    # Who may see the dataset is the managers' decision: the creator's form does not change it.
    assert personas.dataset.title == "Renamed" and personas.dataset.visibility == ""


def test_upload_without_javascript(client, personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.contributor)
    upload = SimpleUploadedFile("plain.msa", b"#FORMAT : EMSA/MAS Spectral Data File\n")
    response = client.post(
        reverse("datasets:upload", args=[personas.dataset.uid]), {"files": [upload]}, follow=True
    )
    assert b"1 file(s) received" in response.content
    assert personas.dataset.files.filter(original_name="plain.msa").exists()
    client.force_login(personas.viewer)
    response = client.post(reverse("datasets:upload", args=[personas.dataset.uid]), {})
    assert response.status_code == 403


def test_upload_without_javascript_streams_hashes_and_enforces_the_limit(
    client, personas, settings
) -> None:
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.contributor)
    url = reverse("datasets:upload", args=[personas.dataset.uid])
    body = b"#FORMAT : EMSA/MAS Spectral Data File\n" * 100
    client.post(url, {"files": [SimpleUploadedFile("big.msa", body)]})
    stored = personas.dataset.files.get(original_name="big.msa")
    assert stored.sha256 == hashlib.sha256(body).hexdigest() and stored.size == len(body)

    settings.LIMS_MAX_UPLOAD_BYTES = 1000
    response = client.post(url, {"files": [SimpleUploadedFile("huge.msa", body)]})
    assert response.status_code == 413
    assert not personas.dataset.files.filter(original_name="huge.msa").exists()
    # The CSRF check still applies, after the upload handler is installed.
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(personas.contributor)
    upload = SimpleUploadedFile("x.msa", b"x")
    assert csrf_client.post(url, {"files": [upload]}).status_code == 403


def test_only_managers_reextract_a_whole_dataset(client, personas) -> None:
    for i in range(3):
        done_file(personas.dataset, original_name=f"r{i}.dm3")
    url = reverse("datasets:reextract", args=[personas.dataset.uid])
    client.force_login(personas.contributor)
    assert client.post(url).status_code == 403
    client.force_login(personas.manager)
    response = client.post(url, follow=True)
    assert b"3 file(s) queued for extraction again" in response.content


def test_file_table_reads_kinds_and_unknown_microscopes_plainly(client, personas) -> None:
    done_file(
        personas.dataset,
        original_name="cube.emd",
        metadata={"microscope": None, "kind": "4d_stem", "technique": None},
    )
    client.force_login(personas.viewer)
    html = client.get(personas.dataset.get_absolute_url()).content.decode()
    row = html[html.index("cube.emd") :]
    row = row[: row.index("</tr>")]
    assert "4D-STEM" in row and "4d_stem" not in row
    assert "null" not in row and "None" not in row
