"""Failed files say what is wrong in a microscopist's words, with the readers' messages kept
after them, and always say what kind of file they claim to be."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extraction import extract
from tests.extraction.extraction_samples import bad_files


def _cut(source: Path, target: Path, keep: int) -> Path:
    target.write_bytes(source.read_bytes()[:keep])
    return target


def _sentence(error: str | None) -> str:
    assert error
    return error.partition(" Technical detail: ")[0]


def test_truncated_dm3_says_how_much_is_there(samples: Path, tmp_path: Path) -> None:
    source = samples / "digitalmicrograph" / "2D" / "test_STEM_image.dm3"  # 96,400 bytes
    result = extract(_cut(source, tmp_path / "cut.dm3", 40 * 1024))
    assert result.status == "failed"
    assert result.format == "digitalmicrograph/dm3"
    assert _sentence(result.error) == (
        "Could not read 'cut.dm3': the file ends early: 40 of 94 KB present."
    )
    assert "Technical detail: DigitalMicrograph reader:" in (result.error or "")


def test_truncated_hdf5_says_how_much_is_there(samples: Path, tmp_path: Path) -> None:
    source = samples / "emd" / "Test SI 16x16 215 kx.emd"  # 2,023,240 bytes
    result = extract(_cut(source, tmp_path / "cut.emd", 1024 * 1024))
    assert result.status == "failed"
    assert result.format == "emd/emd"
    assert _sentence(result.error) == (
        "Could not read 'cut.emd': the file ends early: 1.0 of 1.9 MB present."
    )


@pytest.mark.parametrize(
    ("name", "content", "sentence"),
    [
        (
            "notes.ser",
            b"Sample: grid 4\n" * 20,
            "it is not an FEI TIA file: it holds text",
        ),
        (
            "notes.dm3",
            b"Sample: grid 4, region B\n" * 20,
            "it is not a Gatan DigitalMicrograph file: it holds text",
        ),
        ("blank.tif", bytes(4096), "it is not a TIFF file: it holds zeros only"),
        (
            "noise.emd",
            bytes(range(256)) * 16,
            "it is not an EMD (Velox or Berkeley) file: it holds binary data of an unknown kind",
        ),
    ],
)
def test_file_that_is_not_what_its_name_says(
    tmp_path: Path, name: str, content: bytes, sentence: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = extract(path)
    assert result.status == "failed"
    assert _sentence(result.error) == f"Could not read '{name}': {sentence}."
    assert result.format and result.format.endswith(path.suffix[1:])


def test_picture_with_a_wrong_extension_is_read_by_what_it_holds(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "photo.dm3"
    Image.new("L", (40, 30), 90).save(path, format="PNG")
    result = extract(path)
    assert result.status == "ok", result.error
    assert result.reader == "Image"


def test_emi_without_its_data_files(tmp_path: Path) -> None:
    source = next(p for p in bad_files() if p.suffix == ".emi")
    result = extract(shutil.copy(source, tmp_path / source.name))
    assert _sentence(result.error) == (
        f"Could not read '{source.name}': its data files (_1.ser …) are missing, and the .emi "
        "holds only metadata."
    )


def test_sidecar_without_its_data_file(tmp_path: Path) -> None:
    sidecar = tmp_path / "20241021_00405_info.txt"
    sidecar.write_text("Timestamp (epoch) = 1729500000\n")
    result = extract(sidecar)
    assert result.status == "unsupported"
    assert result.error == (
        "'20241021_00405_info.txt' is the metadata of a Direct Electron movie, which is not "
        "here: it is read together with that file, not on its own."
    )


@pytest.mark.parametrize("path", bad_files(), ids=[p.name for p in bad_files()])
def test_every_bad_file_names_what_it_claims_to_be(path: Path) -> None:
    result = extract(path)
    if result.status == "ok":  # bytes identical to a good sample
        return
    assert result.format, "a failed file still says what kind of file it claims to be"
    assert result.error and path.name in result.error
    assert "Traceback" not in result.error
