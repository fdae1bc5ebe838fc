"""The chunked protocol's headers: what a request says it carries, and what is refused."""

from __future__ import annotations

import pytest

from lims.files.uploads.errors import UploadError
from lims.files.uploads.protocol import ChunkRange, chunk_range, content_length


def meta(**headers: str) -> dict[str, str]:
    return {key.upper(): value for key, value in headers.items()}


@pytest.mark.parametrize("value", ["abc", "-5", "1e6", "12 bytes"])
def test_a_malformed_content_length_is_a_clear_error(value):
    with pytest.raises(UploadError, match="Content-Length must be a number"):
        content_length(meta(content_length=value))


def test_a_missing_content_length_is_zero():
    assert content_length({}) == 0
    assert content_length(meta(content_length=" 42 ")) == 42


def test_content_range_gives_start_length_and_total():
    headers = meta(content_length="100", http_content_range="bytes 200-299/1000")
    assert chunk_range(headers) == ChunkRange(start=200, length=100, total=1000)
    headers = meta(content_length="100", http_content_range="bytes 200-299/*")
    assert chunk_range(headers) == ChunkRange(start=200, length=100, total=None)


def test_upload_offset_takes_the_whole_body():
    assert chunk_range(meta(content_length="64", http_upload_offset="128")) == ChunkRange(128, 64)


def test_a_body_longer_than_its_range_is_refused_not_truncated():
    headers = meta(content_length="150", http_content_range="bytes 0-99/1000")
    with pytest.raises(UploadError, match=r"150 bytes .* announces 100"):
        chunk_range(headers)


def test_a_body_shorter_than_its_range_is_a_dropped_connection_to_resume():
    headers = meta(content_length="30", http_content_range="bytes 0-99/1000")
    assert chunk_range(headers) == ChunkRange(start=0, length=100, total=1000)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("bytes=0-99/1000", "must read"),
        ("bytes 99-0/1000", "ends before it starts"),
        ("bytes 0-1000/1000", "past its total"),
    ],
)
def test_malformed_ranges_are_refused(header, message):
    with pytest.raises(UploadError, match=message):
        chunk_range(meta(content_length="1", http_content_range=header))


def test_a_chunk_must_say_where_it_goes():
    with pytest.raises(UploadError, match="Send Content-Range"):
        chunk_range(meta(content_length="10"))
