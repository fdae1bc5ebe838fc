"""The streaming multipart/form-data parser: every byte where it belongs, however the body is
cut into chunks, and malformed or oversized bodies refused."""

from __future__ import annotations

import io
import os

import pytest
from django.test.client import encode_multipart

from lims.files.uploads.formdata import FormDataError, boundary_of, form_data_parse

BOUNDARY = "----lims-test-boundary-7MA4YWxkTrZu0gW"


class Collecting:
    """An upload handler that keeps each file's bytes (and checks they arrive in order)."""

    def __init__(self) -> None:
        self.received: dict[str, bytearray] = {}
        self.current = ""

    def new_file(self, field_name, file_name, content_type, content_length, charset, extra):
        self.current = f"{field_name}:{file_name}:{content_type}"
        self.received[self.current] = bytearray()

    def receive_data_chunk(self, raw_data, start):
        assert start == len(self.received[self.current])
        self.received[self.current] += raw_data

    def file_complete(self, file_size):
        assert file_size == len(self.received[self.current])
        return self.current


class Trickle(io.RawIOBase):
    """A body read back in pieces of the given sizes, in turn."""

    def __init__(self, body: bytes, sizes: list[int]) -> None:
        self.body, self.sizes, self.position, self.turn = body, sizes, 0, 0

    def read(self, size=-1):
        step = min(size, self.sizes[self.turn % len(self.sizes)])
        self.turn += 1
        data = self.body[self.position : self.position + step]
        self.position += len(data)
        return data


def parse(body: bytes, sizes: list[int], chunk_size: int = 1 << 20):
    handler = Collecting()
    fields, files = form_data_parse(
        stream=Trickle(body, sizes),
        boundary=BOUNDARY.encode(),
        handler=handler,
        chunk_size=chunk_size,
    )
    return fields, files, handler.received


def file_part(name: str, filename: str, data: bytes, content_type: str = "image/x-dm4") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode() + data


# Bytes that look like the boundary's beginning, at the ends of chunks as much as inside.
TRICKY = b"\r\n--" + BOUNDARY[:-1].encode() + b"\r\n-\r\n--" + os.urandom(5000) + b"\r"


@pytest.mark.parametrize("sizes", [[1], [7], [64], [4096], [1 << 20], [3, 50, 1, 900, 2]])
def test_every_byte_lands_in_its_field_or_file_however_the_body_is_cut(sizes):
    first, second = TRICKY + os.urandom(20_000) + TRICKY, os.urandom(3) + b"\r\n"
    body = (
        f'preamble\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\n'
        "0b5e0c39-6a42-4c8e-9f0e-3f1f2d1f9a77\r\n".encode()
        + file_part("file", "scan.dm4", first)
        + b"\r\n"
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\n'.encode()
        + "lamella é\r\n".encode()
        + file_part("file", "C:\\scans\\second.ser", second, "application/octet-stream")
        + f"\r\n--{BOUNDARY}--\r\nepilogue".encode()
    )
    fields, files, received = parse(body, sizes)
    assert fields.getlist("dataset") == ["0b5e0c39-6a42-4c8e-9f0e-3f1f2d1f9a77"]
    assert fields.getlist("note") == ["lamella é"]
    assert files.getlist("file") == [
        "file:scan.dm4:image/x-dm4",
        "file:second.ser:application/octet-stream",
    ]
    assert bytes(received["file:scan.dm4:image/x-dm4"]) == first
    assert bytes(received["file:second.ser:application/octet-stream"]) == second


def test_what_djangos_test_client_sends_parses_to_the_same():
    data = os.urandom(300_000)
    upload = io.BytesIO(data)
    upload.name = "image.dm3"
    body = encode_multipart(BOUNDARY, {"dataset": "abc", "sha256": "", "file": upload})
    fields, files, received = parse(body, [65536])
    assert fields.dict() == {"dataset": "abc", "sha256": ""}
    assert files.getlist("file") == ["file:image.dm3:application/octet-stream"]
    assert [bytes(b) for b in received.values()] == [data]


def test_an_empty_file_and_a_file_without_a_name():
    body = (
        file_part("file", "empty.msa", b"")
        + b"\r\n"
        + file_part("other", "", b"skipped bytes")
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    fields, files, received = parse(body, [10])
    assert fields.dict() == {}
    assert files.getlist("file") == ["file:empty.msa:image/x-dm4"]
    assert "other" not in files
    assert {k: bytes(v) for k, v in received.items()} == {"file:empty.msa:image/x-dm4": b""}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (file_part("file", "cut.dm4", b"x" * 1000), "ended before its closing boundary"),
        (f"--{BOUNDARY}\r\nContent-Disposition: form-data".encode(), "closing boundary"),
        (f"--{BOUNDARY}\r\nX: ".encode() + b"y" * 20_000, "headers are too long"),
        (f"--{BOUNDARY}xx".encode(), "neither CRLF nor '--'"),
        (f"--{BOUNDARY}\r\nbroken header\r\n\r\nx".encode(), "malformed header"),
        (f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx".encode(), "no form-data name"),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\nQUJD".encode(),
            "transfer encoding",
        ),
    ],
)
def test_malformed_bodies_are_refused(body, message):
    with pytest.raises(FormDataError, match=message):
        parse(body, [333])


def test_limits_on_fields(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    fields = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nv\r\n'
        for n in range(3)
    )
    with pytest.raises(FormDataError, match="more than 2 fields"):
        parse(f"{fields}--{BOUNDARY}--".encode(), [100])
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\n'.encode()
    with pytest.raises(FormDataError, match="fields pass 1000 bytes"):
        parse(big + b"v" * 1001 + f"\r\n--{BOUNDARY}--".encode(), [100])


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "multipart/form-data; boundary=", "x; boundary=\x01"]
)
def test_a_content_type_without_a_usable_boundary_is_refused(content_type):
    with pytest.raises(FormDataError, match="no valid boundary"):
        boundary_of(content_type)


def test_the_boundary_is_read_from_the_content_type():
    assert boundary_of(f'multipart/form-data; boundary="{BOUNDARY}"') == BOUNDARY.encode()


def test_a_boundary_split_anywhere_between_reads_is_found():
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="dataset"\r\n\r\nabc\r\n'.encode()
        + file_part("file", "a.dm4", b"\r\n-" + b"data\r\n--" + b"x" * 30)
        + f"\r\n--{BOUNDARY}--".encode()
    )
    reach = len(BOUNDARY) + 8
    for first in range(1, len(body)):
        for second in range(1, reach):
            # a read ending at ``first``, a short one, then the rest
            fields, _, received = parse(body, [first, second, len(body)])
            assert fields.dict() == {"dataset": "abc"}, (first, second)
            assert bytes(received["file:a.dm4:image/x-dm4"]) == b"\r\n-data\r\n--" + b"x" * 30
