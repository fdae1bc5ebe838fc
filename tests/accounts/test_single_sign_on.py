"""Single sign-on through OpenID Connect, against a local provider (tests/accounts/
oidc_provider.py): the whole code flow with PKCE, RS256 ID tokens checked against the
provider's JWKS, and the userinfo endpoint, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from lims.accounts.models import User
from lims.audit.models import AuditEvent
from lims.bench.workers import REPO_ROOT
from tests.accounts.oidc_provider import LocalProvider, serve

pytestmark = pytest.mark.django_db

BACKEND = "lims.accounts.backends.FacilityOIDCBackend"


@pytest.fixture
def provider(settings):
    """A running provider, and the LIMS configured to use it (as the environment would)."""
    op = LocalProvider(client_id="lims", client_secret="s3cret")
    server, thread = serve(op)
    settings.ROOT_URLCONF = "tests.accounts.oidc_urls"
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", BACKEND]
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "lims"
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{op.base_url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{op.base_url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{op.base_url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{op.base_url}/jwks"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_USE_PKCE = True
    settings.OIDC_CREATE_USER = False
    settings.OIDC_TIMEOUT = 5
    settings.LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
    yield op
    server.shutdown()
    thread.join(5)


def sign_on(client, provider: LocalProvider, claims: dict[str, str], next_url: str = "/"):
    """Go through the code flow as a browser would; the callback's response."""
    start = client.get(reverse("oidc_authentication_init"), {"next": next_url})
    assert start.status_code == 302
    authorize = urlparse(start.url)
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == (
        f"{provider.base_url}/authorize"
    )
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert params["client_id"] == "lims" and params["code_challenge_method"] == "S256"
    code = provider.issue(
        nonce=params["nonce"], code_challenge=params["code_challenge"], claims=claims
    )
    return client.get(
        reverse("oidc_authentication_callback"), {"code": code, "state": params["state"]}
    )


def victor_claims(personas) -> dict[str, str]:
    return {"sub": "u-1", "email": personas.viewer.email.upper(), "preferred_username": "vic"}


def test_a_known_person_signs_on_and_gets_their_access(client, personas, provider):
    response = sign_on(client, provider, victor_claims(personas), next_url="/projects/")
    assert response.status_code == 302 and response.url == "/projects/"
    assert client.get(personas.dataset.get_absolute_url()).status_code == 200
    event = AuditEvent.objects.get(action="sign_in")
    assert event.actor_id == personas.viewer.pk and event.detail == {
        "backend": "FacilityOIDCBackend"
    }
    assert User.objects.count() == 7  # matched by e-mail, nobody created


def test_the_login_page_offers_single_sign_on(client, provider, settings):
    settings.OIDC_PROVIDER_NAME = "University SSO"
    html = client.get(reverse("login")).content.decode()
    assert "Sign in with University SSO" in html and reverse("oidc_authentication_init") in html


def test_a_deactivated_person_cannot_sign_on(client, personas, provider):
    claims = {"sub": "u-2", "email": personas.deactivated.email}
    response = sign_on(client, provider, claims)
    assert response.url == "/accounts/login/?sso=failed"
    page = client.get(response.url)
    assert not page.context["user"].is_authenticated
    assert "deactivated" in page.content.decode()


def test_a_session_ends_when_its_person_is_deactivated(client, personas, provider):
    sign_on(client, provider, victor_claims(personas))
    assert client.get(reverse("account")).status_code == 200
    User.objects.filter(pk=personas.viewer.pk).update(is_active=False)
    response = client.get(reverse("account"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_unknown_people_are_refused_unless_accounts_are_created(
    client, personas, provider, settings
):
    claims = {
        "sub": "u-3",
        "email": "newbie@uni.example.org",
        "preferred_username": "newbie",
        "given_name": "Nina",
        "family_name": "Neu",
    }
    assert sign_on(client, provider, claims).url == "/accounts/login/?sso=failed"
    assert not User.objects.filter(email="newbie@uni.example.org").exists()
    settings.OIDC_CREATE_USER = True
    assert sign_on(client, provider, claims).url == "/"
    newbie = User.objects.get(email="newbie@uni.example.org")
    assert (newbie.username, newbie.get_full_name()) == ("newbie", "Nina Neu")
    assert not newbie.has_usable_password() and not newbie.is_staff
    assert client.get(personas.dataset.get_absolute_url()).status_code == 404  # no role yet
    assert AuditEvent.objects.filter(action="user_created", target_label__contains="newbie")


def test_a_forged_token_is_refused(client, personas, provider):
    """An ID token not signed by the key the provider publishes signs nobody in."""
    published = provider.jwks()
    provider.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider.jwks = lambda: published  # type: ignore[method-assign]
    response = sign_on(client, provider, victor_claims(personas))
    assert response.status_code == 400  # Django's answer to a SuspiciousOperation
    assert not client.get(reverse("home")).context["user"].is_authenticated
    assert not AuditEvent.objects.filter(action="sign_in").exists()


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AUTHENTICATION_BACKENDS[-1], "
        "getattr(settings, 'OIDC_RP_SIGN_ALGO', '-'), getattr(settings, 'OIDC_CREATE_USER', '-'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "lims.config.settings", **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_the_settings_switch_it_on_and_refuse_half_a_configuration(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    endpoints = {
        "OIDC_RP_CLIENT_ID": "lims",
        "OIDC_RP_CLIENT_SECRET_FILE": str(secret),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.org/auth",
        "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.org/token",
        "OIDC_OP_USER_ENDPOINT": "https://sso.example.org/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.org/jwks",
    }
    done = _settings_with(endpoints)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [BACKEND, "RS256", "False"]
    off = _settings_with({})
    assert off.stdout.split() == ["django.contrib.auth.backends.ModelBackend", "-", "-"]
    half = _settings_with({k: v for k, v in endpoints.items() if k != "OIDC_OP_JWKS_ENDPOINT"})
    assert half.returncode != 0 and "OIDC_OP_JWKS_ENDPOINT" in half.stderr
