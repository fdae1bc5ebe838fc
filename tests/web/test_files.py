"""File pages: preview, metadata summary with units, vendor tree, runs, compare, live status."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from lims.files.ingest.services import file_ingest
from lims.files.models import ExtractionStatus
from lims.files.runs.execute import extraction_run_execute
from lims.files.runs.services import extraction_queue
from tests.factories import CompanionFileFactory, InstrumentFileFactory
from tests.html import page, texts
from tests.web.conftest import SPECTRUM, done_file, summary, vendor_tree

pytestmark = pytest.mark.django_db


def streamed_json(response) -> object:
    return json.loads(b"".join(response.streaming_content))


def row(label: str, value: str, unit: str) -> str:
    """One row of the file page's metadata table, as rendered."""
    indent = "\n" + " " * 12
    return (
        f'<th scope="row">{label}</th>{indent}<td class="tnum">{value}</td>'
        f'{indent}<td class="unit">{unit}</td>'
    )


def test_file_page_shows_preview_metadata_tree_and_runs(client, personas) -> None:
    file = done_file(personas.dataset, original_name="lattice.dm3")
    client.force_login(personas.viewer)
    response = client.get(file.get_absolute_url())
    html = response.content.decode()
    soup = page(response)
    # The signal has no image of its own here: the file's preview stands in.
    assert soup.select_one(".viewer-stage img")["src"] == reverse("files:preview", args=[file.uid])
    assert "/media/" not in html  # images only through the permission-checked views
    # SI values shown in the units a microscopist reads, from the schema.
    rows = {texts(tr, "th")[0]: texts(tr, "td") for tr in soup.select(".kv-table tr")}
    assert rows["Beam energy"] == ["200", "keV"]
    assert rows["Stage X"] == ["1.5", "µm"]  # stored in metres
    assert rows["Exposure time"] == ["30", "ms"]
    assert rows["Magnification"] == ["200\u202f000", "\u00d7"]
    assert texts(soup, "[data-tree] summary .k")[:2] == ["ImageList", "TagGroup0"]
    assert "Indicated Magnification : 200\u202f000" in texts(soup, "[data-tree] li")
    assert texts(soup, ".extraction-heading")[0].startswith(
        "Extracted by lims-extraction 1.0.0 on "
    )
    assert texts(soup, "#runs tbody td.num") == ["2.00 s"]
    assert soup.select_one(".actions a.btn-primary")["href"] == reverse(
        "files:download", args=[file.uid]
    )


def test_file_page_lists_companion_downloads(client, personas) -> None:
    file = done_file(personas.dataset, original_name="series.emi")
    companion = CompanionFileFactory(parent=file, original_name="series_1.ser")
    client.force_login(personas.viewer)
    html = client.get(file.get_absolute_url()).content.decode()
    assert "series_1.ser" in html
    assert reverse("files:companion-download", args=[file.uid, companion.pk]) in html


def test_file_is_404_for_outsiders(client, personas) -> None:
    file = done_file(personas.dataset)
    client.force_login(personas.outsider)
    for name in ("files:detail", "files:status", "files:compare"):
        assert client.get(reverse(name, args=[file.uid])).status_code == 404


def test_vendor_tree_escapes_keys_and_values(client, personas) -> None:
    tree = vendor_tree(**{"<b>key</b>": "<script>alert(1)</script>"})
    file = done_file(personas.dataset, tree=tree)
    client.force_login(personas.viewer)
    html = client.get(file.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;key&lt;/b&gt;" in html


def test_spectrum_file_gets_an_interactive_plot(client, personas) -> None:
    file = done_file(personas.dataset, metadata=summary(kind="spectrum"), spectrum=SPECTRUM)
    image = done_file(personas.dataset, original_name="image.dm3")
    client.force_login(personas.viewer)
    html = client.get(file.get_absolute_url()).content.decode()
    assert reverse("files:spectrum", args=[file.uid, 0]) in html
    response = client.get(reverse("files:spectrum", args=[file.uid, 0]))
    assert response.status_code == 200 and streamed_json(response) == SPECTRUM
    assert "private" in response["Cache-Control"]
    assert client.get(reverse("files:spectrum", args=[image.uid, 0])).status_code == 404
    assert client.get(reverse("files:spectrum", args=[file.uid, 1])).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(reverse("files:spectrum", args=[file.uid, 0])).status_code == 404


def test_spectrum_data_of_a_real_msa_file_comes_from_its_extraction(
    client, personas, samples
) -> None:
    """The plot's values are computed when the file is extracted, never in the request."""
    instrument_file = file_ingest(
        dataset=personas.dataset,
        upload=samples / "msa" / "example1.msa",
        user=personas.contributor,
        queue_extraction=False,
    ).file
    run = extraction_queue(file=instrument_file)
    assert extraction_run_execute(run_id=run.pk) == "done"
    # Nothing on the page reads the original: its bytes may even be gone.
    instrument_file.refresh_from_db()
    instrument_file.stored_file.storage.delete(instrument_file.stored_file.name)
    client.force_login(personas.viewer)
    response = client.get(reverse("files:spectrum", args=[instrument_file.uid, 0]))
    assert response.status_code == 200
    body = streamed_json(response)
    assert len(body["x"]) == len(body["y"]) == body["points"] <= 4096
    assert body["points"] > 10 and body["x_unit"] == "eV" and body["summed"] is False


def test_status_fragment_polls_until_done(client, personas) -> None:
    file = InstrumentFileFactory(dataset=personas.dataset, status=ExtractionStatus.RUNNING)
    client.force_login(personas.viewer)
    url = reverse("files:status", args=[file.uid])
    response = client.get(url, {"was": "running"})
    assert b'hx-trigger="every 2s"' in response.content and b"Running" in response.content
    file.status = ExtractionStatus.DONE
    file.save()
    response = client.get(url, {"was": "running"})
    assert b"hx-trigger" not in response.content and b"Done" in response.content
    assert response["HX-Refresh"] == "true"  # the page reloads to show preview and metadata


def test_compare_shows_differences(client, personas) -> None:
    a = done_file(personas.dataset, original_name="a.dm3", metadata=summary(signal_shape=[16, 16]))
    b = done_file(
        personas.dataset,
        original_name="b.dm3",
        metadata=summary(beam_energy=300_000.0, pixel_size=1.2e-7, signal_shape=[16, 16]),
        tree=vendor_tree(
            Extra={"Only": "in b"},
            PageSetup={"Win32_DevModeW": {"dmPaperSize": 9}},
            DocumentObjectList=[{"AnnotationGroupList": [{"Font": "Arial"}]}],
        ),
    )
    client.force_login(personas.viewer)
    url = reverse("files:compare", args=[a.uid])
    soup = page(client.get(url, {"with": str(b.uid)}))
    # Both previews side by side, each with the width it shows.
    assert texts(soup, ".compare-pane figcaption") == [
        "a.dm3 · 959.7\xa0nm wide",
        "b.dm3 · 1.92\xa0µm wide",
    ]
    assert [img["data-field-width"] for img in soup.select(".compare-pane img")] == [
        "9.596800e-07",
        "1.920000e-06",
    ]
    assert len(soup.select("[data-same-scale]")) == 1
    summary_rows = [texts(tr, "th, td") for tr in soup.select("#cmp-summary ~ div tbody tr")]
    assert summary_rows == [
        ["Beam energy", "200 keV", "300 keV"],
        ["Pixel size", "59.98 nm", "120 nm"],
    ]
    # Window and printing settings are left out (and counted), the rest is shown.
    assert texts(soup, "#cmp-vendor ~ div tbody td code") == ["Extra.Only"]
    assert texts(soup, "#cmp-vendor ~ p")[-1] == (
        "2 differences in window, printing and display settings left out. Show all"
    )
    every = page(client.get(url, {"with": str(b.uid), "vendor": "all"}))
    assert texts(every, "#cmp-vendor ~ div tbody td code") == [
        "Extra.Only",
        "PageSetup.Win32_DevModeW.dmPaperSize",
        "DocumentObjectList[0].AnnotationGroupList[0].Font",
    ]
    # Equal values only on request, after the differing ones.
    equal = page(client.get(url, {"with": str(b.uid), "all": "1"}))
    fields = texts(equal, "#cmp-summary ~ div tbody th")
    assert fields[:2] == ["Beam energy", "Pixel size"] and "Microscope" in fields[2:]
    assert "ImageList.TagGroup0.ImageTags.Microscope Info.Name" in texts(
        equal, "#cmp-vendor ~ div tbody td code"
    )


def test_compare_with_an_invisible_file_is_404(client, personas) -> None:
    a = done_file(personas.dataset)
    hidden = done_file()
    client.force_login(personas.viewer)
    url = reverse("files:compare", args=[a.uid])
    assert client.get(url, {"with": str(hidden.uid)}).status_code == 404
    assert client.get(url, {"with": "not-a-uid"}).status_code == 404


@pytest.mark.parametrize("persona", ["viewer", "contributor"])
def test_only_managers_reextract(client, personas, persona) -> None:
    file = done_file(personas.dataset)
    client.force_login(getattr(personas, persona))
    assert client.post(reverse("files:reextract", args=[file.uid])).status_code == 403
    assert b"Re-extract" not in client.get(file.get_absolute_url()).content


def test_manager_reextracts(client, personas, settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    file = done_file(personas.dataset)
    client.force_login(personas.manager)
    response = client.post(reverse("files:reextract", args=[file.uid]), follow=True)
    assert b"queued for extraction again" in response.content
    assert file.runs.count() == 2


def test_file_page_query_count_is_bounded(client, personas, django_assert_max_num_queries) -> None:
    file = done_file(personas.dataset)
    for i in range(40):
        done_file(personas.dataset, original_name=f"sib{i}.dm3", with_previews=False)
    for _ in range(5):
        CompanionFileFactory(parent=file)
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(14):
        assert client.get(file.get_absolute_url()).status_code == 200


def test_companions_can_be_downloaded_together(client, personas) -> None:
    file = done_file(personas.dataset, original_name="series.emi")
    CompanionFileFactory(parent=file, original_name="series_1.ser")
    client.force_login(personas.viewer)
    html = client.get(file.get_absolute_url()).content.decode()
    assert reverse("files:download", args=[file.uid]) + "?zip=1" in html


def test_compare_keeps_big_trees_readable(client, personas) -> None:
    a = done_file(personas.dataset, tree={f"k{i}": i for i in range(1000)} | {"CLUT": [1] * 768})
    b = done_file(personas.dataset, tree={f"k{i}": -i for i in range(1000)} | {"CLUT": [2] * 768})
    client.force_login(personas.viewer)
    url = reverse("files:compare", args=[a.uid])
    soup = page(client.get(url, {"with": str(b.uid), "vendor": "all"}))
    assert texts(soup, "#cmp-vendor ~ p.small")[0] == (
        "… and 600 more rows not shown. The full trees are on each file's page and in the API."
    )
    # k1…k999 and the colour table differ (k0 is 0 in both): 1000 rows, 400 shown. The colour
    # table is one value, not 768 rows.
    assert texts(soup, "#cmp-vendor ~ div tbody td code").count("CLUT") == 1


def test_compare_page_offers_the_other_files(client, personas) -> None:
    a = done_file(personas.dataset, original_name="a.dm3")
    done_file(personas.dataset, original_name="b.dm3")
    client.force_login(personas.viewer)
    soup = page(client.get(reverse("files:compare", args=[a.uid])))
    assert texts(soup, 'select[name="with"] option') == ["b.dm3"]
