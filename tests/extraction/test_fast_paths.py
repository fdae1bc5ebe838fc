"""The speed-ups give the same results as the straightforward code they replace."""

from __future__ import annotations

import io
import itertools
import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extraction.jsonsafe import to_jsonsafe, to_jsonsafe_shared
from extraction.previews import draw, plot
from extraction.previews.png import encode_png
from tests.extraction.extraction_samples import sample_dir


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        crc = int.from_bytes(data[pos + 8 + length : pos + 12 + length], "big")
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "I;16", "1"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (256, 160), (333, 517)])
def test_png_encoder_is_lossless_and_valid(mode: str, size: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(size))
    bands = len(Image.new(mode, (1, 1)).getbands())
    shape = (size[1], size[0], bands) if bands > 1 else (size[1], size[0])
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65535, shape, dtype=np.uint16))
    else:
        image = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).convert(mode)
    data = encode_png(image)
    kinds = [kind for kind, _ in _chunks(data)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == "PNG" and decoded.size == image.size
    decoded.load()
    assert np.array_equal(np.asarray(decoded), np.asarray(image))


def test_png_encoder_keeps_plots_small() -> None:
    x = np.linspace(0, 20, 4096)
    y = np.random.default_rng(0).poisson(100, 4096).astype(float)
    image = plot.line_plot(x, y, (800, 500), xlabel="Energy (keV)")
    pillow = io.BytesIO()
    image.save(pillow, format="PNG", compress_level=1)
    assert len(encode_png(image)) < 1.5 * len(pillow.getvalue())


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
@pytest.mark.parametrize("anchor", ["la", "ls", "ma", "md", "rm"])
def test_cached_text_draws_the_same_pixels_as_imagedraw(mode: str, anchor: str) -> None:
    rng = np.random.default_rng(3)
    shape = (90, 260) if mode == "L" else (90, 260, len(mode))
    background = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)
    white = 255 if mode == "L" else (255,) * 3
    black = 0 if mode == "L" else (0,) * 3
    for stroke in (0, 1, 2):
        expected, drawn = background.copy(), background.copy()
        ImageDraw.Draw(expected).text(
            (120, 45),
            "500 nm 1.5e-3 Å",
            font=draw.font(17),
            fill=white,
            anchor=anchor,
            stroke_width=stroke,
            stroke_fill=black,
        )
        draw.text(
            drawn,
            (120, 45),
            "500 nm 1.5e-3 Å",
            17,
            white,
            anchor=anchor,
            stroke_width=stroke,
            stroke_fill=black,
        )
        assert np.array_equal(np.asarray(expected), np.asarray(drawn)), (anchor, stroke)


def _reference_envelope(columns: np.ndarray, y: np.ndarray, width: int) -> np.ndarray:
    """Per column: min and max of its samples and of the last sample of the column before
    (the line between them crosses both columns), with ``ufunc.at``."""
    ymin, ymax = np.full(width, np.inf), np.full(width, -np.inf)
    valid = np.isfinite(y)
    cols, values = columns[valid], y[valid]
    order = np.argsort(cols, kind="stable")
    cols, values = cols[order], values[order]
    np.minimum.at(ymin, cols, values)
    np.maximum.at(ymax, cols, values)
    last = {int(c): float(v) for c, v in zip(cols, values, strict=True)}
    used = sorted(last)
    for before, col in itertools.pairwise(used):
        ymin[col] = min(ymin[col], last[before])
        ymax[col] = max(ymax[col], last[before])
    return np.stack([ymin, ymax])


@pytest.mark.parametrize("descending", [False, True])
def test_envelope_matches_per_column_min_max(descending: bool) -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(100, 30, 5000)
    y[[3, 700, 701]] = np.nan
    x = np.linspace(0, 10, y.size)[:: -1 if descending else 1]
    image = plot.line_plot(x, y, (400, 250))
    assert (np.asarray(image) < 100).any()
    # same band as the ufunc.at formulation, column by column
    width, height, colour = 300, 200, 40
    columns = np.clip((np.linspace(0, 1, y.size) * (width - 1)).astype(np.int64), 0, width - 1)
    if descending:
        columns = columns[::-1]
    canvas = Image.new("L", (width, height), 255)
    plot._envelope(canvas, columns, y, (0, 0, width, height), (0.0, 250.0), colour)
    painted = np.asarray(canvas) == colour
    ymin, ymax = _reference_envelope(columns, y, width)
    scale = (height - 1) / 250.0
    for col in range(width):
        rows = np.flatnonzero(painted[:, col])
        assert rows.size
        assert rows[0] == max(0, int(np.floor((height - 1) - ymax[col] * scale)))
        assert rows[-1] == min(height - 1, int(np.ceil((height - 1) - ymin[col] * scale)))


def test_steep_flank_is_one_stroke() -> None:
    """A peak rising from 0 to full height within a few columns is drawn without gaps: every
    row between its foot and its top is painted in some column of the flank."""
    y = np.zeros(1500)  # about two samples per column of the plot
    y[700:706] = np.linspace(0, 1000, 6)  # a flank of a few columns, far more rows
    y[706:712] = np.linspace(1000, 0, 6)
    image = np.asarray(plot.line_plot(np.arange(y.size, dtype=float), y, (800, 500)))
    curve = image == 40  # the curve's grey
    top = int(np.argmax(curve.any(axis=1)))  # the highest painted row: the peak's top
    peak = int(np.flatnonzero(curve[top])[0])
    painted_rows = np.flatnonzero(curve[:, peak - 20 : peak + 20].any(axis=1))
    assert painted_rows.size > 200
    assert np.all(np.diff(painted_rows) == 1), "the flank breaks into dashes"


def test_shared_conversion_equals_one_by_one() -> None:
    shared = {"Displays": {"a": [1.5, float("nan")], "b": b"bytes\x00"}, "n": np.float32(2)}
    trees = [
        {"Shared": shared, "Own": {"i": i, "arr": np.arange(100), "inf": float("inf")}}
        for i in range(3)
    ]
    trees.append({"deep": {"deeper": {"Shared": shared, "x": (1, 2)}}})
    assert json.dumps(to_jsonsafe_shared(trees), allow_nan=False) == json.dumps(
        [to_jsonsafe(t) for t in trees], allow_nan=False
    )


def test_shared_conversion_of_velox_trees() -> None:
    from rsciio.emd import file_reader

    path = sample_dir() / "emd" / "Test SI 16x16 215 kx.emd"
    trees = [d["original_metadata"] for d in file_reader(str(path))]
    assert json.dumps(to_jsonsafe_shared(trees)) == json.dumps([to_jsonsafe(t) for t in trees])


def test_preview_files_rewritten_in_place_stay_separate(tmp_path: Path) -> None:
    from extraction.previews import _write_png

    thumb, preview = tmp_path / "t.png", tmp_path / "p.png"
    tiny = Image.fromarray(np.full((64, 64), 10, np.uint8))
    _write_png([(thumb, tiny), (preview, tiny)])  # one picture, stored once under two names
    small = Image.fromarray(np.full((32, 32), 50, np.uint8))
    large = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 300), np.uint8))
    _write_png([(thumb, small), (preview, large)])  # a second run into the same folder
    assert np.array_equal(np.asarray(Image.open(thumb)), np.asarray(small))
    assert np.array_equal(np.asarray(Image.open(preview)), np.asarray(large))
    _write_png([(preview, small)])  # shorter than before: no trailing bytes left
    assert preview.stat().st_size == len(encode_png(small))
    assert np.array_equal(np.asarray(Image.open(preview)), np.asarray(small))
