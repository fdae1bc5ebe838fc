"""A small, fast PNG encoder for 8-bit previews (greyscale, RGB, RGBA).

Pillow's encoder tries all five PNG row filters on every row and keeps the best; for previews
that choice costs more than the compression itself. Here every row uses the *Up* filter
(difference to the row above, computed by numpy in one pass), which suits both plots (white
rows become zeros) and micrographs, and zlib runs at its fastest level with run-length
matching. The files are lossless, standard PNGs of about the same size (within a few per
cent of Pillow's at the same level), written two to three times faster.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, PngImagePlugin

__all__ = ["encode_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG colour type per Pillow mode (8 bits per channel)
_COLOUR_TYPES = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}
#: zlib level
LEVEL = 1
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _deflate(data: memoryview, level: int) -> bytes:
    # run-length matching only: after the Up filter the redundancy is mostly runs of equal
    # bytes (zeros), which Z_RLE finds faster than the general string matcher
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    return compressor.compress(data) + compressor.flush()


def _title_chunk(title: str) -> bytes:
    """An ``iTXt`` chunk with the standard ``Title`` keyword (UTF-8, uncompressed)."""
    return _chunk(b"iTXt", b"Title\x00\x00\x00\x00\x00" + title.encode("utf-8"))


def encode_png(image: Image.Image, level: int = LEVEL, *, title: str = "") -> bytes:
    """PNG bytes of ``image`` (modes L, LA, RGB, RGBA here; other modes through Pillow), with
    ``title`` as its ``Title`` text when given."""
    colour_type = _COLOUR_TYPES.get(image.mode)
    width, height = image.size
    if colour_type is None or not width or not height:
        buffer = io.BytesIO()
        info = PngImagePlugin.PngInfo()
        if title:
            info.add_itxt("Title", title)
        image.save(buffer, format="PNG", compress_level=level, pnginfo=info)
        return buffer.getvalue()
    rows = np.asarray(image, dtype=np.uint8).reshape(height, -1)
    filtered = np.empty((height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # filter type "Up" on every row
    filtered[0, 1:] = rows[0]  # the first row has no row above: Up leaves it as it is
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 arithmetic wraps mod 256
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _title_chunk(title) if title else b"",
            _chunk(b"IDAT", _deflate(filtered.data, level)),
            _IEND,
        )
    )
