"""Every file in ``bad/``: a clear message naming the file, never an exception or a hang."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from extraction import extract, extract_isolated
from tests.extraction.extraction_samples import bad_files, manifest_files

BAD = bad_files()
# identical bytes must give identical results: a "bad" file that is byte-for-byte a good sample
# (bad/truncated_hdf5.emd is currently a copy of emd/example_image.emd) must read as that sample
GOOD_SHA = {entry["sha256"]: entry["path"] for entry in manifest_files()}


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_gives_clear_failure(path: Path) -> None:
    result = extract(path)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["file"]["size"] == path.stat().st_size
    assert len(data["file"]["sha256"]) == 64
    assert data["file"]["modified"].endswith("+00:00")
    if data["file"]["sha256"] in GOOD_SHA:
        assert result.status == "ok", result.error
        return
    assert result.status in ("failed", "unsupported")
    assert result.error and path.name in result.error
    assert result.signals == []


def test_missing_file_fails_cleanly(tmp_path: Path) -> None:
    result = extract(tmp_path / "nothing.dm3")
    assert result.status == "failed"
    assert "nothing.dm3" in (result.error or "")


def test_unknown_format_is_unsupported_with_facts(tmp_path: Path) -> None:
    path = tmp_path / "notes.xyz"
    path.write_bytes(b"\x01\x02 not a microscope file")
    result = extract(path)
    assert result.status == "unsupported"
    assert "notes.xyz" in (result.error or "")
    assert result.file["size"] == path.stat().st_size
    assert result.file["sha256"]


def test_emi_with_missing_ser_says_so(tmp_path: Path) -> None:
    source = next(p for p in BAD if p.suffix == ".emi")
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    result = extract(copy)
    assert result.status == "failed"
    assert ".ser" in (result.error or "")


@pytest.mark.slow
def test_isolated_extraction_of_bad_and_good_files(samples: Path) -> None:
    bad = extract_isolated(samples / "bad" / "random_bytes.ser", timeout_s=120)
    assert bad.status == "failed" and "random_bytes.ser" in (bad.error or "")
    good = extract_isolated(samples / "msa" / "example1.msa", timeout_s=120, full=False)
    assert good.status == "ok"
    assert good.signals[0].metadata.beam_energy == 120e3  # eV
