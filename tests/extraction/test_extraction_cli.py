"""``python -m extraction``: one JSON line per input, exit code 0 even for failed files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "extraction", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_help() -> None:
    done = _run("--help")
    assert done.returncode == 0
    assert "--previews" in done.stdout and "--full" in done.stdout


def test_usage_error_is_non_zero() -> None:
    assert _run().returncode != 0


def test_walks_directories_groups_companions_and_writes_previews(
    samples: Path, tmp_path: Path
) -> None:
    done = _run(
        str(samples / "tia" / "old"),
        str(samples / "bad" / "empty.dm3"),
        "--previews",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {Path(item["path"]).name: item for item in lines}
    assert "16x16_STEM_BF_DF_acquire_1.ser" not in by_name  # grouped under its .emi
    group = by_name["16x16_STEM_BF_DF_acquire.emi"]
    assert group["status"] == "ok" and len(group["signals"]) == 2
    assert len(group["companions"]) == 2
    for key in ("path", "status", "error", "reader", "format", "extractor_version", "signals"):
        assert key in group
    signal = group["signals"][0]
    for key in ("title", "kind", "navigation_shape", "signal_shape", "dtype", "axes", "metadata"):
        assert key in signal
    assert "original_metadata" not in signal
    assert signal["metadata"]["microscope"] == "Tecnai 200 kV D2267 SuperTwin"
    assert Path(signal["previews"]["thumbnail"]).is_file()
    assert by_name["empty.dm3"]["status"] == "failed"


def test_full_adds_original_metadata(samples: Path) -> None:
    done = _run(str(samples / "msa" / "example1.msa"), "--full")
    line = json.loads(done.stdout)
    assert line["signals"][0]["original_metadata"]["OWNER"] == "EMSA/MAS TASK FORCE"
    assert line["format"] == "msa/spectrum"


def test_isolate_option(samples: Path) -> None:
    done = _run(str(samples / "bad" / "random_bytes.ser"), "--isolate", "--timeout", "120")
    assert done.returncode == 0
    line = json.loads(done.stdout)
    assert line["status"] == "failed" and "random_bytes.ser" in line["error"]


def test_known_digests_are_taken_instead_of_reading_the_file_again(
    samples: Path, tmp_path: Path
) -> None:
    """The LIMS hashed the bytes on upload; extraction takes its digest as it is."""
    from extraction import extract, extract_isolated

    path = tmp_path / "spectrum.msa"
    path.write_bytes((samples / "msa" / "example1.msa").read_bytes())
    known = {"spectrum.msa": "ab" * 32}
    assert extract(path, known_sha256=known).file["sha256"] == "ab" * 32
    assert extract_isolated(path, known_sha256=known).file["sha256"] == "ab" * 32
    assert extract(path).file["sha256"] != "ab" * 32  # and hashes it when not told


@pytest.mark.slow
def test_standard_output_holds_only_json_lines(samples: Path, tmp_path: Path) -> None:
    """Readers log to standard output (RosettaSciIO's logger does); on a mixed folder every
    line of standard output is still one JSON object, one per logical file."""
    from extraction import group_files
    from extraction.grouping import walk
    from tests.extraction.extra_samples import extra_dir

    folders = [samples, extra_dir()]
    done = _run(*map(str, folders), "--previews", str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    parsed = [json.loads(line) for line in lines]  # raises on any line that is not JSON
    assert all(isinstance(item, dict) and "status" in item for item in parsed)
    assert len(parsed) == len(group_files(walk(folders)))
    # what the readers logged went to standard error
    assert "| RosettaSciIO |" in done.stderr  # the logger's own line format
    assert "| RosettaSciIO |" not in done.stdout
