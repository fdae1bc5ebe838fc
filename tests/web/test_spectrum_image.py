"""A spectrum image: the map of its scan positions and the spectrum of one position, from the
cube extraction reduced (no request reads the original)."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from PIL import Image

from lims.files.ingest.services import file_ingest
from lims.files.runs.execute import extraction_run_execute
from lims.files.runs.services import extraction_queue
from tests.html import page

pytestmark = pytest.mark.django_db


def test_a_position_of_a_spectrum_image_shows_its_spectrum(client, personas, samples) -> None:
    folder = samples / "tia" / "new"
    for name in ["16x16-spectrum_image_5x5x4000-not_square_1.ser"]:
        file_ingest(
            dataset=personas.dataset,
            upload=folder / name,
            user=personas.contributor,
            queue_extraction=False,
        )
    file = file_ingest(
        dataset=personas.dataset,
        upload=folder / "16x16-spectrum_image_5x5x4000-not_square.emi",
        user=personas.contributor,
        queue_extraction=False,
    ).file
    assert extraction_run_execute(run_id=extraction_queue(file=file).pk) == "done"
    file.refresh_from_db()
    assert file.previews.get().cube
    file.stored_file.storage.delete(file.stored_file.name)  # pages never read the original

    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    spectrum = soup.select_one(".spectrum")
    assert spectrum["data-map-url"] == reverse("files:signal-map", args=[file.uid, 0])
    assert spectrum["data-point-url"] == reverse("files:signal-point", args=[file.uid, 0])

    grid = client.get(spectrum["data-map-url"]).json()
    assert (grid["rows"], grid["cols"], grid["bins"], grid["nav_shape"]) == (5, 5, [1, 1], [5, 5])
    point = client.get(spectrum["data-point-url"], {"row": 2, "col": 3})
    assert point.status_code == 200
    body = json.loads(point.content)
    assert body["points"] == 1000 and body["x_unit"] == "eV" and body["summed"] is False
    # The positions' spectra add up to the counts the map shows there.
    assert sum(body["y"]) == pytest.approx(grid["totals"][2][3], rel=1e-3)
    # Summed over all positions, they give the file's summed spectrum (binned alike).
    summed = json.loads(
        b"".join(client.get(reverse("files:spectrum", args=[file.uid, 0])).streaming_content)
    )
    assert sum(summed["y"]) == pytest.approx(sum(sum(row) for row in grid["totals"]), rel=1e-3)

    assert client.get(spectrum["data-point-url"], {"row": 5, "col": 0}).status_code == 400
    assert client.get(spectrum["data-point-url"], {"row": "x", "col": 0}).status_code == 400
    client.force_login(personas.outsider)
    assert client.get(spectrum["data-map-url"]).status_code == 404


def test_a_position_of_a_4d_stem_scan_shows_its_diffraction_pattern(
    client, personas, samples
) -> None:
    file = file_ingest(
        dataset=personas.dataset,
        upload=samples / "emd" / "Si100_4D.emd",
        user=personas.contributor,
        queue_extraction=False,
    ).file
    assert extraction_run_execute(run_id=extraction_queue(file=file).pk) == "done"
    file.refresh_from_db()
    file.stored_file.storage.delete(file.stored_file.name)  # pages never read the original

    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    explorer = soup.select_one(".scan-explorer")
    assert explorer["data-map-url"] == reverse("files:signal-map", args=[file.uid, 0])
    grid = client.get(explorer["data-map-url"]).json()
    assert (grid["rows"], grid["cols"], grid["nav_shape"]) == (11, 11, [11, 11])
    response = client.get(explorer["data-pattern-url"], {"row": 10, "col": 0})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (8, 8)
    assert client.get(explorer["data-pattern-url"], {"row": 11, "col": 0}).status_code == 400
    # A 4D-STEM scan has patterns, not spectra.
    point = reverse("files:signal-point", args=[file.uid, 0])
    assert client.get(point, {"row": 0, "col": 0}).status_code == 404
