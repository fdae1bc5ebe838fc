"""Search over real extracted files: words, quantities with units, fields, vendor keys, facets,
saved searches, freshness, and the permission seam for results, counts, facets, keys, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lims.core.permissions import SYSTEM
from lims.datasets.models import Tag
from lims.files.trash.services import file_restore, file_trash
from lims.search.models import SearchEntry
from lims.search.services import (
    COLUMNS,
    HIT_COLUMNS,
    HIT_RELATED,
    saved_search_create,
    saved_search_look,
    saved_search_news,
    search_run,
    vendor_keys,
)
from tests.factories import CommentFactory, DatasetFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(personas, add_file):
    """In the private project: the Titan STEM image (200 kV, 225 kx) and the Tecnai
    diffraction pattern (200 kV); in a public project: a DM image without metadata."""
    stem = add_file(personas.dataset, "stem")
    diffraction = add_file(personas.dataset, "diffraction")
    public = DatasetFactory(project=ProjectFactory(visibility="public"), title="Open survey")
    plain = add_file(public, "image")
    return {"stem": stem, "diffraction": diffraction, "plain": plain, "public": public}


def names(user, text: str, **options) -> set[str]:
    result = search_run(user=user, text=text, page_size=200, **options)
    assert not result.query.problems, result.query.problems
    return {entry.name for entry in result.entries}


STEM, DIFFRACTION, PLAIN = "test_STEM_image.dm3", "test_diffraction_pattern.dm3", "test-1.dm3"


def test_words_match_names_microscopes_and_datasets_as_prefixes(catalogue, personas) -> None:
    viewer = personas.viewer
    assert names(viewer, "titan") == {STEM}
    assert names(viewer, "tecn") == {DIFFRACTION}
    assert names(viewer, "test_STEM") == {STEM}
    assert names(viewer, "diffr") == {DIFFRACTION}
    assert names(viewer, "open surv") == {PLAIN}
    assert names(viewer, "digiscan") == {STEM}  # the detector
    catalogue["diffraction"].folder = "session_2014/grid-B"
    catalogue["diffraction"].save()
    assert names(viewer, "grid-B") == {DIFFRACTION}  # its folder
    assert names(viewer, '"FEI Titan"') == {STEM}
    assert names(viewer, "titan tecnai") == set()


def _path(row, path: str):
    for part in path.split("__"):
        row = getattr(row, part)
    return row


@pytest.mark.parametrize("engine", ["matrix", "sql"])
def test_a_result_shows_what_its_entry_holds(catalogue, personas, engine) -> None:
    # Results are read as tuples, not model instances: every column a page, the API or a
    # template shows is there, with the entry's value.
    result = search_run(user=personas.facility_manager, text="", engine=engine)
    assert len(result.entries) == 3
    for hit in result.entries:
        entry = SearchEntry.objects.select_related("project", "dataset", "uploaded_by").get(
            file_id=hit.file_id
        )
        for path in [*HIT_COLUMNS, *(column.path for column in COLUMNS.values())]:
            assert _path(hit, path) == _path(entry, path), path
        for relation, name in HIT_RELATED:
            assert _path(hit, f"{relation}__{name}") == _path(entry, f"{relation}__{name}")
    assert {hit.beam_energy for hit in result.entries} == {200000.0, None}


def test_ranking_puts_names_first(catalogue, personas) -> None:
    catalogue["public"].title = "STEM survey"
    catalogue["public"].save()
    result = search_run(user=personas.viewer, text="stem")
    assert result.entries[0].name == STEM
    assert result.sort == "relevance"


def test_quantities_typed_in_words(catalogue, personas) -> None:
    viewer = personas.viewer
    assert names(viewer, "200 kV") == {STEM, DIFFRACTION}
    assert names(viewer, "200kV") == {STEM, DIFFRACTION}
    assert names(viewer, "200 keV") == {STEM, DIFFRACTION}
    assert names(viewer, "300 kV") == set()
    assert names(viewer, "225kx") == {STEM}
    assert names(viewer, "0.25 nm") == {STEM}
    assert names(viewer, "2016-08") == {STEM}
    assert names(viewer, "2014") == {DIFFRACTION}


def test_field_filters(catalogue, personas) -> None:
    viewer = personas.viewer
    assert names(viewer, "microscope:titan") == {STEM}
    assert names(viewer, 'microscope:"FEI Titan"') == {STEM}
    assert names(viewer, 'microscope:"Titan"') == set()  # quoted: the whole value
    assert names(viewer, "technique:STEM kind:image") == {STEM}
    assert names(viewer, "technique:STEM technique:TEM") == {STEM, DIFFRACTION}
    assert names(viewer, "kv:200..300") == {STEM, DIFFRACTION}
    assert names(viewer, "mag:>100k") == {STEM}
    assert names(viewer, "mag:>1M") == set()
    assert names(viewer, "acquired:2015..") == {STEM}
    assert names(viewer, "acquired:..2015") == {DIFFRACTION}
    assert names(viewer, "kind:diffraction detector:ultrascan") == {DIFFRACTION}
    assert names(viewer, f"project:{personas.project.slug}") == {STEM, DIFFRACTION}
    assert names(viewer, f"dataset:{catalogue['public'].uid}") == {PLAIN}
    assert names(viewer, "status:done") == {STEM, DIFFRACTION, PLAIN}


def test_any_vendor_key(catalogue, personas) -> None:
    tree = SearchEntry.objects.get(file=catalogue["stem"]).tree
    voltage = next(key for key in tree if key.endswith("Microscope Info.Voltage"))
    assert tree[voltage] == 200000
    viewer = personas.viewer
    assert STEM in names(viewer, f'"{voltage}" >= 200000')
    assert names(viewer, f'"{voltage}" > 200000') == set()
    assert names(viewer, f'"{voltage}" = 200000 microscope:titan') == {STEM}
    shown = "ImageTags.Microscope Info.Formatted Indicated Mag"
    assert tree[shown] == "225kx"
    assert names(viewer, f'"{shown}" = 225kx') == {STEM}
    assert names(viewer, f'"{shown}" >= 5') == set()  # a text is never a number


def test_facets_count_and_combine_with_or(catalogue, personas) -> None:
    result = search_run(
        user=personas.viewer,
        text="technique:STEM",
        facets=["technique", "microscope", "beam_energy", "project", "tag"],
    )
    assert result.count == 1
    technique = {v.value: (v.count, v.selected) for v in result.facets["technique"]}
    assert technique == {"STEM": (1, True), "TEM": (1, False)}  # its own field left out
    assert [(v.label, v.count) for v in result.facets["microscope"]] == [("FEI Titan", 1)]
    assert [(v.label, v.token) for v in result.facets["beam_energy"]] == [("200 kV", "kv:200")]
    assert [(v.label, v.count) for v in result.facets["project"]] == [(personas.project.name, 1)]
    both = search_run(user=personas.viewer, text="technique:STEM technique:TEM")
    assert both.count == 2


def test_facets_never_show_what_the_user_may_not_see(catalogue, personas) -> None:
    facets = ["microscope", "project", "technique", "dataset", "uploader"]
    outsider = search_run(user=personas.outsider, text="", facets=facets)
    assert outsider.count == 1 and [e.name for e in outsider.entries] == [PLAIN]
    assert outsider.facets["microscope"] == []  # FEI Titan is in a private project
    assert [v.label for v in outsider.facets["project"]] == [catalogue["public"].project.name]
    anonymous = search_run(user=personas.anonymous, text="titan", facets=facets)
    assert anonymous.count == 0 and anonymous.facets["microscope"] == []
    manager = search_run(user=personas.facility_manager, text="", facets=facets)
    assert manager.count == 3
    assert {v.label for v in manager.facets["microscope"]} == {"FEI Titan", "FEI Tecnai"}


def test_key_typeahead_only_offers_keys_of_visible_datasets(catalogue, personas) -> None:
    keys = dict(vendor_keys(user=personas.viewer, prefix="Microscope Info.Volt"))
    assert any(key.endswith("Microscope Info.Voltage") for key in keys)
    assert set(keys.values()) == {"number"}
    assert vendor_keys(user=personas.outsider, prefix="Microscope Info.Volt") == []


def test_trash_and_restore_follow_at_once(catalogue, personas) -> None:
    file_trash(file=catalogue["stem"], user=personas.manager)
    assert names(personas.viewer, "titan") == set()
    assert names(personas.facility_manager, "titan") == set()
    file_restore(file=catalogue["stem"], user=personas.manager)
    assert names(personas.viewer, "titan") == {STEM}
    personas.dataset.trash_mark(personas.manager)
    assert names(personas.facility_manager, "kv:200") == set()


def test_dataset_title_tags_and_comments_are_searchable(catalogue, personas) -> None:
    dataset = personas.dataset
    dataset.title = "Perovskite interfaces"
    dataset.save()
    assert names(personas.viewer, "perovsk") == {STEM, DIFFRACTION}
    dataset.tags.add(Tag.objects.create(name="in situ"))
    assert names(personas.viewer, 'tag:"in situ"') == {STEM, DIFFRACTION}
    CommentFactory(dataset=None, file=catalogue["stem"], author=personas.viewer, body="beam damage")
    assert names(personas.viewer, "damage") == {STEM}


def test_saved_searches_count_new_files(catalogue, personas, add_file) -> None:
    saved = saved_search_create(user=personas.viewer, name="Two hundred", query="kv:200")
    assert saved_search_news(user=personas.viewer, saved=saved) == 0
    add_file(personas.dataset, "stem", original_name="again.dm3")
    assert saved_search_news(user=personas.viewer, saved=saved) == 1
    saved_search_look(user=personas.viewer, saved=saved)
    assert saved_search_news(user=personas.viewer, saved=saved) == 0


def test_search_page(client, catalogue, personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("search"), {"q": "technique:STEM 200 kV"})
    assert response.status_code == 200
    html = response.content.decode()
    assert STEM in html and DIFFRACTION not in html
    assert "Technique: STEM" in html and 'aria-label="Remove Technique: STEM"' in html
    assert 'data-count="1"' in html
    gallery = client.get(reverse("search"), {"q": "kv:200", "view": "gallery"}).content.decode()
    assert 'class="gallery"' in gallery and STEM in gallery


def test_a_typo_gets_a_suggestion_not_an_error(client, catalogue, personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("search"), {"q": "micrsocope:titan"})
    assert response.status_code == 200
    assert "Did you mean “microscope”?" in response.content.decode()
    api = client.get("/api/v1/search/", {"q": "micrsocope:titan"})
    assert api.status_code == 400
    assert api.json()["problems"][0]["suggestion"] == "microscope:titan"


def test_api_search(client, catalogue, personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(
        "/api/v1/search/", {"q": "kv:200", "facets": "technique,microscope", "page_size": 1}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["pages"] == 2
    assert body["results"][0]["metadata"]["beam_energy"] == 200000.0
    assert {v["value"]: v["count"] for v in body["facets"]["technique"]} == {"STEM": 1, "TEM": 1}
    assert client.get("/api/v1/search/", {"facets": "nope"}).status_code == 400
    client.logout()
    assert client.get("/api/v1/search/", {"q": "titan"}).json()["count"] == 0


def test_exports_stream_every_row_the_user_may_see(client, catalogue, personas) -> None:
    client.force_login(personas.viewer)
    response = client.get(reverse("search:export", args=["csv"]), {"q": "kv:200"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["uid", "name", "project", "dataset"] and "beam_energy [eV]" in rows[0]
    assert sorted(r[1] for r in rows[1:]) == sorted([STEM, DIFFRACTION])
    as_json = client.get(reverse("search:export", args=["json"]), {"q": ""})
    records = json.loads(b"".join(as_json.streaming_content))
    assert len(records) == 3
    client.force_login(personas.outsider)
    response = client.get(reverse("search:export", args=["csv"]), {"q": "kv:200"})
    assert len(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))) == 1


def test_keys_endpoint_and_saved_pages(client, catalogue, personas) -> None:
    client.force_login(personas.viewer)
    keys = client.get(reverse("search:keys"), {"prefix": "Info.Volt"}).json()["keys"]
    assert any(k["key"].endswith("Microscope Info.Voltage") for k in keys)
    response = client.post(reverse("search:saved"), {"name": "Titans", "q": "microscope:titan"})
    assert response.status_code == 302
    page = client.get(reverse("search:saved")).content.decode()
    assert "Titans" in page and "microscope:titan" in page
    client.force_login(personas.outsider)
    assert client.get(reverse("search:keys"), {"prefix": "Info.Volt"}).json()["keys"] == []
    assert client.get(reverse("search:saved-open", args=[1_000_000])).status_code == 404


def test_search_page_query_count_is_bounded(
    client, catalogue, personas, django_assert_max_num_queries
) -> None:
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("search"), {"q": "technique:STEM kv:200"})
    assert response.status_code == 200


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=60))
def test_no_query_is_a_server_error(client, personas, text: str) -> None:
    client.force_login(personas.viewer)
    # A NUL is refused by the query-string middleware (lims/core/middleware.py) with a 400.
    assert client.get(reverse("search"), {"q": text}).status_code == (
        400 if "\x00" in text else 200
    )
    assert client.get("/api/v1/search/", {"q": text, "facets": "microscope"}).status_code in (
        200,
        400,
    )
    search_run(user=SYSTEM, text=text, facets=["year", "tag", "magnification"])


def test_user_metadata_and_file_tags_are_searchable(catalogue, personas) -> None:
    from lims.notes.services import file_tags_set, note_add

    note_add(
        target=catalogue["stem"], key="sample ID", value="GR-17", unit="", user=personas.manager
    )
    note_add(
        target=personas.dataset,
        key="annealing temperature",
        value="450",
        unit="degC",
        user=personas.manager,
    )
    assert names(personas.viewer, "GR-17") == {STEM}
    assert names(personas.viewer, '"Notes.sample ID" = GR-17') == {STEM}
    assert names(personas.viewer, '"Notes.annealing temperature" >= 400') == {STEM, DIFFRACTION}
    keys = dict(vendor_keys(user=personas.viewer, prefix="Notes.anneal"))
    assert keys == {"Notes.annealing temperature": "number"}
    file_tags_set(file=catalogue["diffraction"], tags="calibration", user=personas.manager)
    assert names(personas.viewer, "tag:calibration") == {DIFFRACTION}


def _scan_facets(user) -> dict:
    from lims.search.compile import compile_query
    from lims.search.facets import DEFAULT_FACETS, facet_counts

    visible = SearchEntry.objects.visible_to(user)
    counted = facet_counts(visible, compile_query("status:done status:pending"), DEFAULT_FACETS)
    return {name: [(v.value, v.count) for v in values] for name, values in counted.values.items()}


def test_tallies_give_the_counts_a_scan_gives(catalogue, personas) -> None:
    from lims.search.facets import DEFAULT_FACETS

    personas.dataset.tags.add(Tag.objects.create(name="lamella"))
    file_trash(file=catalogue["diffraction"], user=personas.manager)
    for user in (personas.viewer, personas.outsider, personas.facility_manager):
        result = search_run(user=user, text="", facets=[*DEFAULT_FACETS, "dataset"])
        tallied = {
            name: [(v.value, v.count) for v in values] for name, values in result.facets.items()
        }
        scanned = _scan_facets(user)
        assert {k: v for k, v in tallied.items() if k != "dataset"} == scanned
        assert result.count == SearchEntry.objects.visible_to(user).count()
    viewer = search_run(user=personas.viewer, text="", facets=["tag", "technique", "status"])
    assert [(v.label, v.count) for v in viewer.facets["tag"]] == [("lamella", 1)]
    assert viewer.count == 2  # the STEM image and the public one; the trashed file is gone
    outsider = search_run(user=personas.outsider, text="", facets=["microscope", "technique"])
    assert outsider.count == 1 and outsider.facets["microscope"] == []


def _tallies() -> set[tuple[int, str, str, int]]:
    from lims.search.models import SearchTally

    return set(SearchTally.objects.values_list("dataset_id", "facet", "value", "n"))


def test_tallies_changed_entry_by_entry_agree_with_a_recount(catalogue, personas, add_file):
    """Indexing changes the tallies by each entry's difference (a run starting, finishing, a
    file moved to another dataset, trashed); a recount of every dataset from scratch agrees."""
    from lims.files.models import ExtractionStatus
    from lims.search.tally import tally_rebuild

    personas.dataset.tags.add(Tag.objects.create(name="lamella"))
    stem = catalogue["stem"]
    stem.status = ExtractionStatus.RUNNING
    stem.save(update_fields=["status"])  # a run starting: the status alone
    add_file(personas.dataset, "image", original_name="later.dm3")
    other = DatasetFactory(project=personas.project, title="Moved here")
    catalogue["diffraction"].dataset = other
    catalogue["diffraction"].save()
    file_trash(file=catalogue["plain"], user=personas.facility_manager)
    changed = _tallies()
    assert (personas.dataset.pk, "status", "running", 1) in changed
    assert (personas.dataset.pk, "tag", "lamella", 2) in changed  # the STEM image, later.dm3
    assert (other.pk, "", "", 1) in changed
    tally_rebuild(dataset_ids=[personas.dataset.pk, other.pk, catalogue["public"].pk])
    assert _tallies() == changed
