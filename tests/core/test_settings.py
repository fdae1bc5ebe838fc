"""Settings come from the environment; production refuses unsafe ones."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lims.config.env import env_bool, env_int, env_list, env_str

REPO = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    # A fresh process sees only the machine's environment, not what the test run set up
    # (the browser tests allow Django's async-unsafe calls, which check --deploy rightly flags).
    test_only = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "LIMS_ENV",
        "SECRET_KEY",
    }
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_env_helpers(monkeypatch, tmp_path):
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", "2_000")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 2000
    assert env_list("X_LIST") == ["a", "b", "c"]
    assert env_str("X_SECRET") == "s3cret"
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")


def _production_env(**extra: str) -> dict[str, str]:
    return {
        "LIMS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "lims.facility.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/lims",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        **extra,
    }


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues (0 silenced)" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr


def test_production_takes_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(secrets.token_urlsafe(60))
    env = _production_env(SECRET_KEY_FILE=str(key_file))
    del env["SECRET_KEY"]
    assert _manage("check", "--deploy", env=env).returncode == 0


def test_production_refuses_debug():
    result = _manage("check", env=_production_env(DJANGO_DEBUG="true"))
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


@pytest.mark.slow
def test_embedded_default_runs_without_postgresql_or_redis(tmp_path):
    """The newcomer's setup: SQLite and a folder broker under LIMS_DATA_DIR."""
    env = {"LIMS_DATA_DIR": str(tmp_path / "data")}
    migrate = _manage("migrate", "--noinput", env=env, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    script = (
        "from django.conf import settings;"
        "from lims.accounts.models import User;"
        "from lims.projects.services import project_create;"
        "from lims.datasets.services import dataset_create;"
        "u = User.objects.create_user('demo');"
        "p = project_create(name='Embedded', created_by=u);"
        "dataset_create(project=p, title='First', created_by=u);"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL,"
        " p.datasets.count())"
    )
    shell = _manage("shell", "-v", "0", "-c", script, env=env)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "1"]
    assert (tmp_path / "data" / "lims.sqlite3").exists()
    assert (tmp_path / "data" / "broker" / "queue").is_dir()
