"""The deployment files: the compose file is valid and in step with the systemd units and
the settings, and nginx really sends downloads the application hands it (X-Accel-Redirect)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from django.conf import settings as django_settings

from lims.bench.workers import REPO_ROOT
from lims.ops.queues import queue_names
from tests.factories import InstrumentFileFactory, api_key_for
from tests.s3 import free_port
from tests.worker import wait_for

DEPLOY = REPO_ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_runs_every_part_once_where_it_must() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "db",
        "redis",
        "migrate",
        "web",
        "worker-extraction",
        "worker-default",
        "beat",
        "nginx",
    }
    commands = {name: " ".join(map(str, s.get("command", []))) for name, s in services.items()}
    assert [n for n, c in commands.items() if "celery -A lims beat" in c] == ["beat"]
    consumed = {
        re.search(r"-Q (\S+)", c).group(1)
        for c in commands.values()
        if "celery -A lims worker" in c
    }
    assert consumed == set(queue_names())  # a worker for every queue the LIMS sends to
    assert (
        "gunicorn lims.config.wsgi:application --config python:lims.config.gunicorn"
        in (commands["web"])
    )
    lims_images = {s["image"] for n, s in services.items() if n not in {"db", "redis", "nginx"}}
    assert lims_images == {"${LIMS_IMAGE:-lims:latest}"}
    nginx_mounts = services["nginx"]["volumes"]
    assert "./nginx/lims-locations.conf:/etc/nginx/lims-locations.conf:ro" in nginx_mounts
    assert "media:/srv/lims/media:ro" in nginx_mounts  # what X-Accel-Redirect reads


def test_systemd_units_run_the_same_commands_as_the_compose_file() -> None:
    web = (DEPLOY / "systemd/lims-web.service").read_text()
    assert "lims.config.wsgi:application \\\n    --config python:lims.config.gunicorn" in web
    worker = (DEPLOY / "systemd/lims-worker@.service").read_text()
    assert "celery -A lims worker -Q %i" in worker
    assert "PROMETHEUS_MULTIPROC_DIR" in worker and "PROMETHEUS_MULTIPROC_DIR" in web
    assert "celery -A lims beat" in (DEPLOY / "systemd/lims-beat.service").read_text()
    site = (DEPLOY / "nginx/lims.conf").read_text()
    assert "include /etc/nginx/lims-locations.conf;" in site
    assert "include /etc/nginx/lims-locations.conf;" in (DEPLOY / "nginx/compose.conf").read_text()


@pytest.mark.parametrize("example", ["lims.env.example", "compose.env.example"])
def test_every_variable_of_the_example_environments_is_read_by_the_settings(example) -> None:
    read = (REPO_ROOT / "lims/config/settings.py").read_text()
    read += (REPO_ROOT / "lims/config/gunicorn.py").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / example).read_text(), re.M)
    compose_only = {
        "POSTGRES_PASSWORD",
        "INSTRUMENT_SHARE",
        "TLS_CERT_DIR",
        "EXTRACTION_CONCURRENCY",
    }
    unknown = [
        n for n in names if n not in compose_only and f'"{n.removesuffix("_FILE")}"' not in read
    ]
    assert unknown == []


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_accepts_the_file(tmp_path) -> None:
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)
    shutil.copy(copy / "compose.env.example", copy / ".env")
    result = subprocess.run(
        ["docker-compose", "-f", str(copy / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _nginx_conf(tmp_path: Path, upstream: str, media: Path, static: Path, port: int) -> Path:
    """The deploy/ locations file, pointed at this test's folders and server."""
    locations = (DEPLOY / "nginx/lims-locations.conf").read_text()
    locations = locations.replace("/srv/lims/media/", f"{media}/").replace(
        "/srv/lims/static/", f"{static}/"
    )
    (tmp_path / "lims-locations.conf").write_text(locations)
    conf = tmp_path / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""{user}
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    upstream lims_web {{ server {upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        include {tmp_path}/lims-locations.conf;
    }}
}}
"""
    )
    return conf


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian: nginx-light)")
@pytest.mark.django_db(transaction=True)
def test_nginx_sends_what_the_application_allows_under_the_original_name(
    live_server, personas, api_client_for, settings, tmp_path
) -> None:
    settings.LIMS_DOWNLOADS = "accel"
    stored = InstrumentFileFactory(dataset=personas.dataset, original_name="Probe µm 日本.dm3")
    api_client_for(personas.viewer)  # makes the viewer's token
    token = api_key_for(personas.viewer)
    static = tmp_path / "static"
    static.mkdir()
    port = free_port()
    (tmp_path / "nginx").mkdir()
    conf = _nginx_conf(
        tmp_path / "nginx",
        live_server.url.removeprefix("http://"),
        Path(django_settings.MEDIA_ROOT),
        static,
        port,
    )
    checked = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"])
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(f"{base}/health/live")[0] == 200, timeout=10, what="nginx")

        status, headers, body = _get(f"{base}/files/{stored.uid}/download/", token)
        assert status == 200
        assert body == Path(stored.stored_file.path).read_bytes()
        assert headers["Content-Disposition"] == (
            "attachment; filename*=utf-8''Probe%20%C2%B5m%20%E6%97%A5%E6%9C%AC.dm3"
        )
        assert "X-Accel-Redirect" not in headers

        outsider = personas.outsider
        api_client_for(outsider)
        assert _get(f"{base}/files/{stored.uid}/download/", api_key_for(outsider))[0] == 404
        internal = f"{base}/protected/{quote(stored.stored_file.name)}"
        assert _get(internal)[0] == 404  # nginx's internal location: not from outside
        assert _get(f"{base}/metrics")[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str, token: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""
