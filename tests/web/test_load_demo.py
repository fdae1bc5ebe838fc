"""The demo set-up behind scripts/demo: a login, instruments, a project, real sample files."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from lims.accounts.models import User
from lims.files.models import InstrumentFile
from lims.projects.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def _instrument_files(folder) -> list:
    return [
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in {".md", ".json"}
    ]


def test_load_demo_imports_the_shared_files_and_prints_the_login(samples, data_dir):
    out = StringIO()
    call_command("load_demo", samples=samples, stdout=out)
    user = User.objects.get(username="demo")
    assert user.is_facility_manager
    password = (data_dir / "demo-login.txt").read_text().split()[-1]
    assert f"password {password!r}" in out.getvalue() and user.check_password(password)

    project = Project.objects.get(slug="demo-samples")
    files = InstrumentFile.objects.filter(dataset__project=project)
    # Every instrument file, companions joined to their primary; no notes or manifest.
    stored = files.count() + sum(f.companions.count() for f in files)
    assert stored == len(_instrument_files(samples))
    assert not files.filter(original_name__endswith=".md").exists()
    assert project.datasets.count() > 1  # one dataset per subfolder

    # Running it again changes nothing and keeps the same login.
    again = StringIO()
    call_command("load_demo", samples=samples, stdout=again)
    assert files.count() == InstrumentFile.objects.filter(dataset__project=project).count()
    assert f"password {password!r}" in again.getvalue()


def test_load_demo_writes_its_own_samples_without_the_shared_folder(data_dir, tmp_path):
    call_command("load_demo", samples=tmp_path / "nowhere", stdout=StringIO())
    written = {p.name for p in (data_dir / "samples").iterdir()}
    assert {name.rsplit(".", 1)[1] for name in written} == {"emd", "tif", "msa", "hspy"}
    names = set(InstrumentFile.objects.values_list("original_name", flat=True))
    assert names == written
