"""The facet matrix gives the answers of SQL: counts, facet values and counts, pages in every
sort, exports, for every kind of condition and for people who see all, some or little; and it
follows the index as files are extracted, re-indexed, trashed, deleted, or a write is rolled
back."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lims.accounts.models import User
from lims.files.trash.services import file_trash
from lims.search import matrix as matrix_module
from lims.search.facets import FACETS
from lims.search.models import SearchEntry
from lims.search.services import export_rows, search_run
from lims.search.synthetic import RARE_KEY
from tests.factories import DatasetFactory, ProjectFactory
from tests.search.test_language import _fragments
from tests.web.conftest import done_file

pytestmark = pytest.mark.django_db

ALL_FACETS = list(FACETS)
QUERIES = (
    "",
    "graphene",
    "session",
    "graph sess",
    '"FEI Titan"',
    "titan",
    'catalyst microscope:"FEI Titan G2" technique:STEM kind:image kv:200..300',
    f'"{RARE_KEY}" >= 2',
    f'"{RARE_KEY}" = 2',
    '"ImageTags.Microscope Info.Voltage" >= 200000',
    "300 kV",
    "200kV",
    "kv:200",
    "kv:80 kv:300",
    "mag:>100k",
    "mag:1k..<10k",
    "pixel:0.1nm..<1nm",
    "0.25 nm",
    "exposure:>1",
    "size:>1",
    "acquired:2019..",
    "acquired:..2018-06",
    "acquired:2020-03",
    "2016-08",
    "uploaded:2020..",
    "technique:STEM",
    "technique:STEM technique:TEM",
    "technique:stem kind:image",
    "kind:image kind:spectrum",
    "microscope:titan",
    'microscope:"FEI Titan G2"',
    'microscope:"Titan"',
    "microscope:titan microscope:tecnai",
    "detector:ultrascan",
    "detector:a",
    "format:dm",
    "vendor:fei",
    "operator:ana",
    "status:done",
    "status:pending status:failed",
    "tag:cryo",
    'tag:"in situ"',
    "tag:in",
    "tag:cryo tag:heating",
    "project:synth",
    "project:graphene",
    "dataset:session",
    "instrument:titan",
    "uploader:synth-user",
    "uploader:okafor",
    "name:0001",
    "type:dm3",
    '"Notes.sample ID" = GR-17',
    "graphene technique:STEM acquired:2018.. tag:cryo",
    "micrsocope:titan",
    "kv:abc",
    "technique:nope",
)
SORTS = (
    None,
    "relevance",
    "name",
    "-name",
    "acquired",
    "-acquired",
    "beam_energy",
    "-magnification",
    "pixel_size",
    "project",
    "-dataset",
    "uploader",
    "microscope",
    "-technique",
    "kind",
    "-size",
    "status",
    "format",
    "-uploaded",
    "exposure_time",
    "detector",
    "operator",
)


@pytest.fixture
def facility(personas, add_file):
    """A synthetic facility (many instruments, projects of every visibility, tags, vendor
    keys) beside the personas' real files, one of them with user metadata."""
    from lims.notes.services import note_add

    call_command("seed_synthetic", "--files", "300", "--projects", "6")
    stem = add_file(personas.dataset, "stem")
    add_file(personas.dataset, "diffraction")
    public = DatasetFactory(project=ProjectFactory(visibility="public"), title="Open survey")
    add_file(public, "image")
    note_add(target=stem, key="sample ID", value="GR-17", unit="", user=personas.manager)
    return personas


def people(personas) -> dict[str, object]:
    return {
        "facility manager": personas.facility_manager,
        "member": User.objects.get(username="synth-user"),
        "viewer": personas.viewer,
        "outsider": personas.outsider,
        "anonymous": personas.anonymous,
    }


def answer(user, text: str, engine: str, **options) -> dict:
    result = search_run(user=user, text=text, engine=engine, **options)
    return {
        "count": result.count,
        "page": result.page,
        "sort": result.sort,
        "ids": [entry.file_id for entry in result.entries],
        "facets": {
            name: [(v.value, v.label, v.count, v.token, v.selected) for v in values]
            for name, values in result.facets.items()
        },
        "problems": [p.message for p in result.query.problems],
    }


def same(user, text: str, **options) -> dict:
    by_matrix = answer(user, text, "matrix", **options)
    assert by_matrix == answer(user, text, "sql", **options), (text, options)
    return by_matrix


def test_every_query_answers_as_sql_does(facility) -> None:
    nonempty = 0
    for user in people(facility).values():
        for text in QUERIES:
            found = same(user, text, facets=ALL_FACETS, page_size=7)
            nonempty += found["count"] > 0
            if found["count"] > 14:
                same(user, text, page=3, page_size=7)
    assert nonempty > 100  # the battery finds things, it does not only agree on nothing


def test_every_sort_and_deep_pages_as_sql(facility) -> None:
    manager, member = facility.facility_manager, User.objects.get(username="synth-user")
    for user in (manager, member):
        for sort in SORTS:
            for text in ("", "session", "kv:200..300", "tag:cryo"):
                first = same(user, text, sort=sort, page_size=20)
                if first["count"] > 40:
                    same(user, text, sort=sort, page=2, page_size=20)
                same(user, text, sort=sort, page=10_000, page_size=20)  # the last page


@pytest.mark.django_db(transaction=True)
def test_kept_sorts_and_answers_follow_writes_as_sql(facility, add_file) -> None:
    # Sorts and PostgreSQL's answers kept from earlier searches are patched row by row as
    # entries change (re-extracted, added, trashed), each write a transaction of its own as in
    # production (rows of the searching transaction are read again at every search): the pages
    # stay those of SQL.
    manager = facility.facility_manager
    member = User.objects.get(username="synth-user")
    texts = ("", "session", "graphene", "kv:200..300")
    sorts = (None, "relevance", "-acquired", "beam_energy", "-magnification", "size")

    def every_page() -> None:
        for user in (manager, member):
            for text in texts:
                for sort in sorts:
                    same(user, text, sort=sort, page_size=25)

    every_page()
    entries = SearchEntry.objects.filter(live=True).order_by("file_id")
    changed = [entry.file for entry in entries[10:250:40]]
    for number, file in enumerate(changed):
        file.metadata = {**file.metadata, "beam_energy": 80000.0 + number, "specimen": "graphene"}
        file.acquired_at = None if number % 2 else file.acquired_at
        file.save()
    add_file(facility.dataset, "stem", original_name="graphene_late.dm3")
    file_trash(file=changed[0], user=manager)
    assert matrix_module.current_matrix().loads == 1  # patched, not loaded again
    every_page()


def test_exports_as_sql(facility) -> None:
    for user in people(facility).values():
        for text, sort in (("", None), ("session", None), ("kv:200..300", "-magnification")):
            by_matrix = list(export_rows(user=user, text=text, sort=sort, engine="matrix"))
            assert by_matrix == list(export_rows(user=user, text=text, sort=sort, engine="sql"))
    everything = list(export_rows(user=facility.facility_manager, text="", engine="matrix"))
    assert len(everything) == SearchEntry.objects.filter(live=True).count() == 303


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.lists(_fragments, max_size=12).map("".join))
def test_random_queries_as_sql(facility, text: str) -> None:
    same(facility.facility_manager, text, facets=ALL_FACETS, page_size=5)
    same(facility.viewer, text, facets=["technique", "tag", "year", "project"], page_size=5)


# --- Freshness ---------------------------------------------------------------------------------


def ids(user, text: str) -> set[int]:
    result = search_run(user=user, text=text, page_size=200, engine="matrix")
    return {entry.file_id for entry in result.entries}


def test_extracted_reindexed_trashed_and_deleted_files_show_at_once(personas, add_file) -> None:
    viewer = personas.viewer
    stem = add_file(personas.dataset, "stem")
    assert ids(viewer, "titan") == {stem.pk}  # loaded now
    diffraction = add_file(personas.dataset, "diffraction")  # extracted after the load
    assert ids(viewer, "kv:200") == {stem.pk, diffraction.pk}
    assert search_run(user=viewer, text="", facets=["microscope"]).facets["microscope"]
    personas.dataset.title = "Perovskite interfaces"
    personas.dataset.save()  # re-indexes the dataset's entries
    assert ids(viewer, "perovsk") == {stem.pk, diffraction.pk}
    file_trash(file=stem, user=personas.manager)
    assert ids(viewer, "kv:200") == {diffraction.pk}
    diffraction.delete()
    assert ids(viewer, "kv:200") == set()
    assert ids(personas.facility_manager, "") == set()


def test_a_rolled_back_write_never_shows(personas, add_file) -> None:
    viewer = personas.viewer
    stem = add_file(personas.dataset, "stem")
    assert ids(viewer, "kv:200") == {stem.pk}
    with pytest.raises(RuntimeError), transaction.atomic():
        diffraction = add_file(personas.dataset, "diffraction")
        stem.dataset.title = "Rolled back"
        stem.dataset.save()
        assert ids(viewer, "kv:200") == {stem.pk, diffraction.pk}  # its own writes
        raise RuntimeError("roll back")
    assert ids(viewer, "kv:200") == {stem.pk}
    assert ids(viewer, "rolled") == set()


def test_a_truncated_index_reloads(personas, add_file) -> None:
    stem = add_file(personas.dataset, "stem")
    assert ids(personas.viewer, "kv:200") == {stem.pk}
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE search_entry CASCADE")
    assert ids(personas.viewer, "kv:200") == set()


def test_few_changes_are_read_again_and_many_reload(personas, add_file, monkeypatch) -> None:
    stem = add_file(personas.dataset, "stem")
    assert ids(personas.viewer, "kv:200") == {stem.pk}
    matrix = matrix_module.current_matrix()
    diffraction = add_file(personas.dataset, "diffraction")
    assert ids(personas.viewer, "kv:200") == {stem.pk, diffraction.pk}
    assert matrix.loads == 1  # read again, not reloaded
    monkeypatch.setattr(matrix_module, "RELOAD_AFTER", 0)
    image = add_file(personas.dataset, "image")
    assert ids(personas.viewer, "") == {stem.pk, diffraction.pk, image.pk}
    assert matrix.loads == 2


@pytest.mark.django_db(transaction=True)
def test_a_new_process_searches_with_sql_while_its_matrix_loads_in_a_thread(personas, settings):
    # Production's way: a million entries take half a minute to load, longer than a request
    # may wait, so the first searches of a process are answered by SQL (the same answers).
    settings.LIMS_SEARCH_MATRIX_LOAD = "background"
    for i in range(3):
        done_file(personas.dataset, original_name=f"background_{i}.dm3")
    assert not matrix_module.matrix_loaded()
    first = search_run(user=personas.viewer, text="background", facets=["kind", "status"])
    assert (first.engine, first.count) == ("sql", 3)
    loader = matrix_module.matrix_warm()
    if loader is not None:
        loader.join(60)
    assert matrix_module.matrix_loaded()
    second = search_run(user=personas.viewer, text="background", facets=["kind", "status"])
    assert (second.engine, second.count) == ("matrix", 3)
    assert second.facets == first.facets
    assert [e.file_id for e in second.entries] == [e.file_id for e in first.entries]
    assert [row[0] for row in export_rows(user=personas.viewer, text="background")] == [
        e.uid for e in second.entries
    ]


def test_codes_take_the_narrowest_type_and_widen_when_a_vocabulary_outgrows_it() -> None:
    matrix = matrix_module.Matrix()
    vocab = [f"operator {i}" for i in range(128)]  # codes 0 to 127: one byte each
    matrix._set_coded("operator", np.arange(128, dtype=np.int64), vocab)
    assert matrix.codes["operator"].dtype == np.int8
    matrix._put_codes("operator", np.array([0, 5]), ["operator 127", "a newcomer"])
    assert matrix.codes["operator"].dtype == np.int16
    assert matrix.codes["operator"][[0, 5, 6]].tolist() == [127, 128, 6]
    assert matrix.vocab["operator"][128] == "a newcomer"
