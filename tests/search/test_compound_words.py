"""Words typed with hyphens, dots or underscores (``GR-17``, ``SI_0012.dm3``): found where a
name, a note or a title holds them as written, on real indexed files, and not where their
parts only stand apart (a graphene dataset whose session is number 17)."""

from __future__ import annotations

import pytest

from lims.notes.services import note_add
from lims.search.services import search_run
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def samples(personas, add_file):
    """A file named after the sample, a file with the sample in a note, and, in a graphene
    dataset of session 17, a file that holds the parts only."""
    add_file(personas.dataset, "stem", original_name="GR-17_overview.dm3")
    noted = add_file(personas.dataset, "diffraction", original_name="grid_survey.dm3")
    note_add(target=noted, key="sample ID", value="GR-17", user=personas.manager)
    apart = DatasetFactory(project=personas.project, title="Graphene session 17")
    add_file(apart, "image", original_name="overview_0001.dm3")
    return personas


def names(user, text: str) -> set[str]:
    result = search_run(user=user, text=text, page_size=100)
    assert not result.query.problems, result.query.problems
    assert result.count == len(result.entries)
    return {entry.name for entry in result.entries}


def test_a_hyphenated_sample_id_finds_the_files_that_hold_it(samples) -> None:
    viewer = samples.viewer
    assert names(viewer, "GR-17") == {"GR-17_overview.dm3", "grid_survey.dm3"}
    assert names(viewer, "gr-17") == {"GR-17_overview.dm3", "grid_survey.dm3"}
    assert names(viewer, '"GR-17"') == {"GR-17_overview.dm3", "grid_survey.dm3"}
    assert names(viewer, "GR-17 overview") == {"GR-17_overview.dm3"}
    assert names(viewer, "GR-1") == {"GR-17_overview.dm3", "grid_survey.dm3"}  # as a prefix
    # The parts alone still find everything that holds them, apart or not.
    assert names(viewer, "graphene 17") == {"overview_0001.dm3"}
    assert names(viewer, "GR-18") == set()


def test_file_names_typed_whole(samples) -> None:
    viewer = samples.viewer
    assert names(viewer, "GR-17_overview.dm3") == {"GR-17_overview.dm3"}
    assert names(viewer, "overview_0001.dm3") == {"overview_0001.dm3"}
    assert names(viewer, "overview_0001") == {"overview_0001.dm3"}
