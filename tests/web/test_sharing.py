"""Share links in the browser: what a holder sees (the dataset, its files, previews and
downloads), what they do not (everything else), and links that stop working at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lims.audit.models import AuditAction, AuditEvent
from lims.sharing.models import ShareLink, key_digest
from lims.sharing.services import share_link_create, share_link_revoke
from tests.factories import CommentFactory, DatasetFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(personas):
    """A done file with previews in the private dataset, and a working link to the dataset."""
    instrument_file = done_file(personas.dataset, original_name="lattice.dm3")
    link, key = share_link_create(
        dataset=personas.dataset, user=personas.manager, days=7, label="Reviewer 2"
    )
    return instrument_file, link, reverse("share-open", args=[key])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_holder_sees_the_dataset_its_files_previews_and_downloads(client, personas, shared):
    instrument_file, link, url = shared
    response = client.get(url)
    assert response.status_code == 302 and response.url == personas.dataset.get_absolute_url()
    page = client.get(personas.dataset.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "lattice.dm3" in html and "shared with you through a link" in html
    assert personas.project.get_absolute_url() not in html  # no way up to the project
    uid = instrument_file.uid
    assert client.get(f"/files/{uid}/").status_code == 200
    assert client.get(f"/files/{uid}/status/").status_code == 200
    assert client.get(f"/files/{uid}/compare/").status_code == 200
    assert client.get(f"/files/{uid}/preview.png").status_code == 200
    assert client.get(f"/files/{uid}/thumbnail.png").status_code == 200
    download = client.get(f"/files/{uid}/download/")
    assert download.status_code == 200
    assert body(download) == instrument_file.stored_file.open("rb").read()
    event = AuditEvent.objects.get(action=AuditAction.DOWNLOAD)
    assert event.actor_name == "anonymous" and event.detail["share_links"] == [link.pk]
    assert event.project_id == personas.project.pk
    assert AuditEvent.objects.filter(action=AuditAction.SHARE_OPENED).count() == 1
    client.get(url)  # opening it again is not news
    assert AuditEvent.objects.filter(action=AuditAction.SHARE_OPENED).count() == 1


def test_a_holder_sees_nothing_else(client, personas, shared):
    _, _, url = shared
    other = DatasetFactory(project=personas.project, title="Unshared session")
    other_file = done_file(other, original_name="secret.dm3")
    CommentFactory(dataset=personas.dataset, author=personas.viewer, body="Contaminated, sorry")
    client.get(url)
    page = client.get(personas.dataset.get_absolute_url()).content.decode()
    assert "Contaminated" not in page  # the conversation is not shared
    assert client.get(personas.project.get_absolute_url()).status_code == 404
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(f"/files/{other_file.uid}/").status_code == 404
    assert client.get(f"/files/{other_file.uid}/download/").status_code == 404
    assert client.get(f"/files/{other_file.uid}/preview.png").status_code == 404
    for page_url in [reverse("home"), reverse("search") + "?q=lattice", reverse("projects:list")]:
        html = client.get(page_url).content.decode()
        assert personas.dataset.title not in html and "lattice.dm3" not in html, page_url
    # The API knows no share links.
    assert client.get(f"/api/datasets/{personas.dataset.uid}/").status_code == 404
    assert client.get("/api/files/").json()["results"] == []
    assert (
        client.post(reverse("comments:on-dataset", args=[personas.dataset.uid])).status_code == 302
    )
    assert client.get(reverse("datasets:edit", args=[personas.dataset.uid])).status_code == 302


def test_revoking_and_expiry_take_effect_at_once(client, personas, shared):
    instrument_file, link, url = shared
    client.get(url)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    share_link_revoke(link=link, user=personas.manager)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 404
    assert client.get(f"/files/{instrument_file.uid}/download/").status_code == 404
    gone = client.get(url)
    assert gone.status_code == 410 and b"revoked" in gone.content

    second, key = share_link_create(dataset=personas.dataset, user=personas.manager, days=1)
    client.get(reverse("share-open", args=[key]))
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    ShareLink.objects.filter(pk=second.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert client.get(personas.dataset.get_absolute_url()).status_code == 404
    assert client.get(reverse("share-open", args=[key])).status_code == 410


def test_unknown_keys_and_trashed_datasets_are_not_found(client, personas, shared):
    _, _, url = shared
    assert client.get(reverse("share-open", args=["not-a-key"])).status_code == 404
    personas.dataset.deleted_at = timezone.now()
    personas.dataset.save()
    assert client.get(url).status_code == 404


def test_a_signed_in_outsider_with_the_link_sees_the_dataset(client, personas, shared):
    _, _, url = shared
    client.force_login(personas.outsider)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 404
    client.get(url)
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.SHARE_OPENED)
    assert event.actor_name == "oscar"


def test_managers_make_and_revoke_links_on_the_dataset_page(client, personas):
    client.force_login(personas.manager)
    page = client.get(personas.dataset.get_absolute_url()).content.decode()
    assert 'id="sharing"' in page
    response = client.post(
        reverse("datasets:share", args=[personas.dataset.uid]), {"label": "Referee", "days": 3}
    )
    assert response.status_code == 200
    url = response.context["url"]
    key = url.rstrip("/").rsplit("/", 1)[-1]
    link = ShareLink.objects.get(label="Referee")
    assert link.key_digest == key_digest(key) and key not in link.key_digest  # only a digest
    assert dt.timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= dt.timedelta(3)
    page = client.get(personas.dataset.get_absolute_url()).content.decode()
    assert "Referee" in page and key not in page  # listed, never shown again
    client.post(reverse("datasets:share-revoke", args=[personas.dataset.uid, link.pk]))
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == personas.manager
    actions = list(
        AuditEvent.objects.filter(project_id=personas.project.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.SHARE_CREATED, AuditAction.SHARE_REVOKED]


def test_links_last_at_most_the_longest_allowed(client, personas, settings):
    settings.LIMS_SHARE_LINK_MAX_DAYS = 30
    client.force_login(personas.manager)
    client.post(reverse("datasets:share", args=[personas.dataset.uid]), {"days": 31})
    assert not ShareLink.objects.filter(dataset=personas.dataset, label="").exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("viewer", 403), ("contributor", 403), ("group_member", 403), ("outsider", 404)],
)
def test_only_managers_share(client, personas, persona, status):
    client.force_login(getattr(personas, persona))
    response = client.post(reverse("datasets:share", args=[personas.dataset.uid]), {"days": 3})
    assert response.status_code == status
    link = personas.share_link
    response = client.post(reverse("datasets:share-revoke", args=[personas.dataset.uid, link.pk]))
    assert response.status_code == status
    page = client.get(personas.dataset.get_absolute_url())
    assert b'id="sharing"' not in page.content
