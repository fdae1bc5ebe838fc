"""The first release's plain-text DRF tokens become hashed tokens; their keys keep working."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def test_plain_tokens_are_hashed_and_keep_working():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0001_initial"), ("authtoken", "0004_alter_tokenproxy_options")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("accounts", "User").objects.create(username="olga", is_active=True)
    key = "0123456789abcdef0123456789abcdef01234567"
    old.get_model("authtoken", "Token").objects.create(user=user, key=key)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from lims.accounts.models import ApiToken

    token = ApiToken.objects.get(user__username="olga")
    assert token.prefix == key[:12] and key not in token.digest
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == "olga"
