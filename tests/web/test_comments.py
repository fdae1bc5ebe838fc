"""Comments: safe Markdown, XSS-proof, edited and deleted by their author."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lims.comments.models import Comment
from tests.factories import CommentFactory
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src='https://evil.example'></iframe>",
    '<p style="position:fixed" onclick="alert(1)">x</p>',
    "<svg><script>alert(1)</script></svg>",
]


def test_viewer_comments_on_a_dataset_and_a_file(client, personas) -> None:
    file = done_file(personas.dataset)
    client.force_login(personas.viewer)
    client.post(reverse("comments:on-dataset", args=[personas.dataset.uid]), {"body": "Sharp!"})
    client.post(reverse("comments:on-file", args=[file.uid]), {"body": "Drift at the edge"})
    assert Comment.objects.get(dataset=personas.dataset).body == "Sharp!"
    assert Comment.objects.get(file=file).author == personas.viewer
    html = client.get(file.get_absolute_url()).content.decode()
    assert "Drift at the edge" in html


def test_markdown_is_rendered(client, personas) -> None:
    CommentFactory(dataset=personas.dataset, body="**bold** and `code`\n\n- one\n- two")
    client.force_login(personas.viewer)
    html = client.get(personas.dataset.get_absolute_url()).content.decode()
    assert (
        "<strong>bold</strong>" in html and "<code>code</code>" in html and "<li>one</li>" in html
    )


@pytest.mark.parametrize("attack", ATTACKS)
def test_comments_are_xss_proof(client, personas, attack) -> None:
    client.force_login(personas.viewer)
    client.post(reverse("comments:on-dataset", args=[personas.dataset.uid]), {"body": attack})
    html = client.get(personas.dataset.get_absolute_url()).content.decode()
    body = html.split('class="body">', 1)[1].split("</div>", 1)[0]
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onclick", "style=", "<svg"):
        assert bad not in body.lower(), (attack, body)


def test_outsider_and_anonymous_cannot_comment(client, personas) -> None:
    url = reverse("comments:on-dataset", args=[personas.dataset.uid])
    response = client.post(url, {"body": "hi"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(personas.outsider)
    assert client.post(url, {"body": "hi"}).status_code == 404
    assert not Comment.objects.exists()


def test_empty_comment_is_refused(client, personas) -> None:
    client.force_login(personas.viewer)
    response = client.post(
        reverse("comments:on-dataset", args=[personas.dataset.uid]), {"body": "   "}, follow=True
    )
    assert b"needs some text" in response.content and not Comment.objects.exists()


def test_author_edits_their_comment(client, personas) -> None:
    comment = CommentFactory(dataset=personas.dataset, author=personas.viewer, body="Frist")
    client.force_login(personas.viewer)
    url = reverse("comments:edit", args=[comment.pk])
    assert b"Frist" in client.get(url).content
    client.post(url, {"body": "First"})
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited_at is not None
    html = client.get(personas.dataset.get_absolute_url()).content.decode()
    assert "(edited)" in html


@pytest.mark.parametrize("persona", ["contributor", "manager", "facility_manager"])
def test_others_cannot_edit_a_comment(client, personas, persona) -> None:
    comment = CommentFactory(dataset=personas.dataset, author=personas.viewer, body="Mine")
    client.force_login(getattr(personas, persona))
    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Theirs"})
    comment.refresh_from_db()
    if persona == "facility_manager":
        assert comment.body == "Theirs"  # facility managers may do everything
    else:
        assert response.status_code == 403 and comment.body == "Mine"


def test_author_and_manager_delete_but_others_do_not(client, personas) -> None:
    mine = CommentFactory(dataset=personas.dataset, author=personas.viewer)
    client.force_login(personas.contributor)
    assert client.post(reverse("comments:delete", args=[mine.pk])).status_code == 403
    client.force_login(personas.viewer)
    client.post(reverse("comments:delete", args=[mine.pk]))
    assert not Comment.objects.filter(pk=mine.pk).exists()
    other = CommentFactory(dataset=personas.dataset, author=personas.contributor)
    client.force_login(personas.manager)
    client.post(reverse("comments:delete", args=[other.pk]))
    assert not Comment.objects.filter(pk=other.pk).exists()


def test_comment_of_an_invisible_dataset_is_404(client, personas) -> None:
    comment = CommentFactory(dataset=personas.dataset, author=personas.viewer)
    client.force_login(personas.outsider)
    assert client.get(reverse("comments:edit", args=[comment.pk])).status_code == 404
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 404
