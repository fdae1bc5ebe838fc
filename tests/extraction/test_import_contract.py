"""``extraction`` imports no Django, no LIMS code, no REST framework and no Celery."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CONFIG = """
[importlinter]
root_package = extraction
include_external_packages = True

[importlinter:contract:extraction-is-plain-python]
name = extraction imports no Django, LIMS, REST framework or Celery
type = forbidden
source_modules =
    extraction
forbidden_modules =
    django
    lims
    rest_framework
    celery
"""


def test_extraction_imports_no_django(tmp_path: Path) -> None:
    config = tmp_path / ".importlinter"
    config.write_text(CONFIG, encoding="utf-8")
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run(
        [lint, "--config", str(config), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT" in done.stdout


def test_importing_extraction_loads_no_django() -> None:
    code = (
        "import sys, extraction, extraction.cli, extraction.previews; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('django', 'lims', 'celery', 'rest_framework')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
