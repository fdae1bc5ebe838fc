"""Image stacks are stepped through frame by frame: the frames are drawn at extraction (bounded
reads, one frame at a time) and served as small PNGs; no request reads the original."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from PIL import Image

from lims.files.ingest.services import file_ingest
from lims.files.runs.execute import extraction_run_execute
from lims.files.runs.services import extraction_queue
from tests.html import one, page, texts

pytestmark = pytest.mark.django_db


def _extracted(personas, path):
    file = file_ingest(
        dataset=personas.dataset, upload=path, user=personas.contributor, queue_extraction=False
    ).file
    assert extraction_run_execute(run_id=extraction_queue(file=file).pk) == "done"
    file.refresh_from_db()
    return file


def test_a_stack_is_stepped_through_frame_by_frame(client, personas, samples) -> None:
    file = _extracted(personas, samples / "digitalmicrograph" / "test_stackbuilder_imagestack.dm3")
    signal = file.previews.get()
    assert signal.frame_total == 3 and [f["index"] for f in signal.frames] == [0, 1, 2]
    # Nothing on the page reads the original: its bytes may even be gone.
    file.stored_file.storage.delete(file.stored_file.name)

    client.force_login(personas.viewer)
    soup = page(client.get(file.get_absolute_url()))
    slider = one(soup, "#frame-slider")
    assert (slider["min"], slider["max"], slider["value"]) == ("0", "2", "1")
    assert one(soup, "#frame-label").text == "2 of 3"
    urls = [item["url"] for item in json.loads(one(soup, "[data-frames]")["data-frames"])]
    assert urls == [reverse("files:signal-frame", args=[file.uid, 0, i]) for i in range(3)]
    assert texts(soup, ".frame-bar .small") == ["3 frames; arrow keys on the slider step"]

    response = client.get(urls[2])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert picture.format == "PNG" and max(picture.size) >= 16

    assert client.get(reverse("files:signal-frame", args=[file.uid, 0, 7])).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(urls[0]).status_code == 404


def test_a_single_image_has_no_frames(client, personas, samples) -> None:
    file = _extracted(personas, samples / "digitalmicrograph" / "2D" / "test_STEM_image.dm3")
    assert file.previews.get().frames == []
    client.force_login(personas.viewer)
    assert page(client.get(file.get_absolute_url())).select("#frame-slider") == []
