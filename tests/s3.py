"""A real S3-compatible server for the object-storage tests (``pytest_plugins``).

moto's standalone server (``python -m moto.server``) runs as a separate process on a free
loopback port, speaking the S3 protocol over HTTP: boto3, django-storages and the workers
talk to it exactly as they would to MinIO or AWS. :func:`s3_storage` points this test's
storage at a fresh bucket on it and gives the environment a worker needs to do the same.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

ACCESS_KEY = "lims-test"
SECRET_KEY = "lims-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class S3Server:
    """The running server: where it listens, and a boto3 client for checks."""

    endpoint: str
    process: subprocess.Popen[bytes]

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = S3Server(endpoint=f"http://127.0.0.1:{port}", process=process)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto_server did not start:\n{Path(log).read_text()[-3000:]}")
            time.sleep(0.1)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class S3Storage:
    """A bucket this test's storage writes to, and the environment that points a worker
    process at it."""

    server: S3Server
    bucket: str
    env: dict[str, str]

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.server.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture
def s3_storage(s3_server: S3Server, settings: Any) -> S3Storage:
    bucket = f"lims-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    options = {
        "bucket_name": bucket,
        "endpoint_url": s3_server.endpoint,
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "addressing_style": "path",
        "querystring_expire": settings.LIMS_SIGNED_URL_EXPIRE_S,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "lims.core.objectstorage.InstrumentS3Storage", "OPTIONS": options},
    }
    env = {
        "LIMS_STORAGE_BACKEND": "s3",
        "LIMS_S3_BUCKET": bucket,
        "LIMS_S3_ENDPOINT_URL": s3_server.endpoint,
        "LIMS_S3_REGION": REGION,
        "LIMS_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "LIMS_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "LIMS_S3_ADDRESSING_STYLE": "path",
    }
    return S3Storage(server=s3_server, bucket=bucket, env=env)
