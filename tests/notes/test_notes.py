"""Notes (user metadata) and file tags: who may write them, what the pages show."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lims.notes.models import Note
from lims.notes.services import file_tags_set, note_add, note_delete, note_update
from tests.html import one, page, texts
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db


def test_contributors_write_notes_with_units(personas) -> None:
    file = done_file(personas.dataset)
    note = note_add(
        target=file,
        key=" annealing  temperature ",
        value="450",
        unit="°C",
        user=personas.contributor,
    )
    assert (note.key, note.value, note.number, note.unit) == (
        "annealing temperature",
        "450",
        450.0,
        "°C",
    )
    text = note_add(target=personas.dataset, key="grid", value="3 mm Cu", user=personas.contributor)
    assert text.number is None
    with pytest.raises(PermissionDenied):
        note_add(target=file, key="sample ID", value="GR-17", user=personas.viewer)
    with pytest.raises(ValidationError) as error:
        note_add(target=file, key="dose", value="3", unit="parsecs per frob", user=personas.manager)
    assert error.value.message_dict == {
        "unit": ["“parsecs per frob” is not a unit this system knows (e.g. nm, °C, keV, s)."]
    }
    with pytest.raises(ValidationError) as error:
        note_add(target=file, key="annealing temperature", value="1", user=personas.manager)
    assert error.value.message_dict == {
        "key": ["There is already a note with this key here; change that one."]
    }


def test_only_the_author_or_a_manager_changes_a_note(personas) -> None:
    file = done_file(personas.dataset)
    note = note_add(target=file, key="sample ID", value="GR-17", user=personas.contributor)
    with pytest.raises(PermissionDenied):
        note_update(note=note, key="sample ID", value="GR-18", user=personas.group_member)
    note_update(note=note, key="sample ID", value="GR-18", user=personas.manager)
    note.refresh_from_db()
    assert (note.value, note.updated_by, note.created_by) == (
        "GR-18",
        personas.manager,
        personas.contributor,
    )
    with pytest.raises(ValidationError):
        other = note_add(target=file, key="grid", value="C-flat", user=personas.contributor)
        note_update(note=other, key="sample ID", value="x", user=personas.contributor)
    with pytest.raises(PermissionDenied):
        note_delete(note=note, user=personas.viewer)
    note_delete(note=note, user=personas.contributor)
    assert not Note.objects.filter(pk=note.pk).exists()


def test_the_file_page_shows_notes_and_tags_beside_the_metadata(client, personas) -> None:
    file = done_file(personas.dataset)
    client.force_login(personas.contributor)
    add = reverse("notes:on-file", args=[file.uid])
    response = client.post(add, {"key": "sample ID", "value": "GR-17", "unit": ""})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    client.post(add, {"key": "annealing temperature", "value": "450", "unit": "°C"})
    client.post(reverse("files:tags", args=[file.uid]), {"tags": "Graphene, in situ,graphene"})

    soup = page(client.get(file.get_absolute_url()))
    rows = [texts(tr, "th, td")[:2] for tr in soup.select(".notes-table tbody tr")]
    assert rows == [["annealing temperature", "450\xa0°C"], ["sample ID", "GR-17"]]
    assert texts(soup, "#notes .tags-line .tag") == ["graphene", "in situ"]
    written = texts(soup, ".notes-table tbody td.small")[0]
    assert written.startswith("carla, ")
    assert len(soup.select(".notes-table a.btn")) == 2  # the author may edit both

    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    assert soup.select(".notes-table a.btn") == [] and soup.select("form.note-form") == []
    assert client.post(add, {"key": "k", "value": "v"}).status_code == 403
    assert client.post(reverse("files:tags", args=[file.uid]), {"tags": "x"}).status_code == 403

    note = Note.objects.get(key="sample ID")
    assert client.get(reverse("notes:edit", args=[note.pk])).status_code == 403
    client.force_login(personas.outsider)
    assert client.get(reverse("notes:edit", args=[note.pk])).status_code == 404


def test_a_note_is_edited_on_its_own_page(client, personas) -> None:
    note = note_add(target=personas.dataset, key="grid", value="Cu", user=personas.contributor)
    client.force_login(personas.contributor)
    url = reverse("notes:edit", args=[note.pk])
    assert one(page(client.get(url)), "#id_value")["value"] == "Cu"
    response = client.post(url, {"key": "grid", "value": "Au", "unit": ""})
    assert response.status_code == 302
    soup = page(client.get(personas.dataset.get_absolute_url()))
    assert [texts(tr, "th, td")[:2] for tr in soup.select(".notes-table tbody tr")] == [
        ["grid", "Au"]
    ]
    bad = client.post(url, {"key": "grid", "value": "Au", "unit": "frobs"})
    assert bad.status_code == 200
    assert texts(page(bad), ".errorlist li") == [
        "“frobs” is not a unit this system knows (e.g. nm, °C, keV, s)."
    ]
    assert client.post(reverse("notes:delete", args=[note.pk])).status_code == 302
    assert not Note.objects.exists()


def test_file_tags_are_normalized(personas) -> None:
    file = done_file(personas.dataset)
    tags = file_tags_set(
        file=file, tags=" In  Situ , graphene,GRAPHENE,", user=personas.contributor
    )
    assert [t.name for t in tags] == ["graphene", "in situ"]
    assert sorted(file.tags.values_list("name", flat=True)) == ["graphene", "in situ"]
