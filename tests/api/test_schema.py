from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ["/api/v1/files/", "/api/v1/uploads/{uid}/", "/api/v1/uploads/{uid}/complete/"]:
        assert f"  {path}:" in schema
    assert "Content-Range" in schema and "application/octet-stream" in schema
