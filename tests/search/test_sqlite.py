"""The query language on SQLite, the embedded default the demo runs on: a catalogue seeded into
a SQLite database by another process (``DATABASE_URL=sqlite:///…``), searched through the
search service, each count checked against one computed from the files' own metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

#: Run in the SQLite process: each query's count, and the same count worked out from the
#: files' metadata and names without the index.
SEARCHES = r"""
import json
from lims.accounts.models import User
from lims.files.models import InstrumentFile
from lims.search.services import search_run
from lims.search.synthetic import RARE_KEY

files = list(InstrumentFile.objects.select_related("dataset__project"))
def tags(f):
    return f.original_metadata["signals"][0]["ImageList"]["TagGroup0"]["ImageTags"]
def text(f):
    parts = [f.original_name, f.dataset.title, f.dataset.description, f.dataset.project.name]
    return " ".join([*parts, f.metadata["specimen"]]).lower()
meta = [f.metadata for f in files]
expected = {
    "graphene": sum("graphene" in text(f) for f in files),
    "technique:STEM": sum(m["technique"] == "STEM" for m in meta),
    "kv:200..300": sum(200e3 <= m["beam_energy"] <= 300e3 for m in meta),
    "300 kV": sum(m["beam_energy"] == 300e3 for m in meta),
    "mag:>1M": sum(m["magnification"] > 1e6 for m in meta),
    'microscope:"FEI Titan G2" kind:image': sum(
        m["microscope"] == "FEI Titan G2" and m["kind"] == "image" for m in meta
    ),
    "acquired:2020": sum(f.acquired_at.year == 2020 for f in files),
    '"ImageTags.Microscope Info.Spot" >= 6': sum(
        tags(f)["Microscope Info"]["Spot"] >= 6 for f in files
    ),
    f'"{RARE_KEY}" >= 1': sum("Experiment" in tags(f) for f in files),
    "graphene technique:TEM kv:..200": sum(
        "graphene" in text(f) and f.metadata["technique"] == "TEM"
        and f.metadata["beam_energy"] <= 200e3
        for f in files
    ),
}
manager = User.objects.get(username="synth-manager")
found, problems = {}, {}
for query in expected:
    result = search_run(user=manager, text=query, facets=["format"])  # filtered by no query
    found[query] = result.count
    problems[query] = [p.message for p in result.query.problems]
    assert sum(v.count for v in result.facets["format"]) == result.count, query
print(json.dumps({"expected": expected, "found": found, "problems": problems}))
"""


def _manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_query_language_on_sqlite(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "LIMS_DATA_DIR": str(tmp_path / "data"),
    }
    _manage("migrate", "--no-input", "-v", "0", env=env)
    seeded = _manage("seed_synthetic", "--files", "300", "--projects", "5", env=env)
    assert "Created 300 files" in seeded

    report = json.loads(_manage("shell", "-c", SEARCHES, env=env).splitlines()[-1])

    assert report["problems"] == {query: [] for query in report["expected"]}
    assert report["found"] == report["expected"]
    assert report["expected"]["graphene"] > 0
    assert report["expected"]["technique:STEM"] > 0
    assert report["expected"]["300 kV"] > 0
    assert report["expected"]['microscope:"FEI Titan G2" kind:image'] > 0
