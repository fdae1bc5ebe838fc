"""A tiny OpenID Connect provider for the single sign-on tests, served on 127.0.0.1.

It does what the LIMS's side of the code flow needs from a real provider: a token endpoint
that checks the client's secret and the PKCE verifier and answers an RS256-signed ID token
carrying the nonce, a userinfo endpoint for the access token, and the JWKS of its key. The
"authorization" step (a person signing in at the provider) is :meth:`LocalProvider.issue`:
the test decides whose code the browser brings back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "test-key-1"


@dataclass
class Grant:
    nonce: str
    code_challenge: str
    claims: dict[str, Any]


@dataclass
class LocalProvider:
    client_id: str
    client_secret: str
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_url: str = ""

    def issue(self, *, nonce: str, code_challenge: str, claims: dict[str, Any]) -> str:
        """A person signed in at the provider as ``claims``: the code their browser brings."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = Grant(nonce=nonce, code_challenge=code_challenge, claims=claims)
        return code

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return 401, {"error": "invalid_client"}
        if grant is None:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        id_token = jwt.encode(
            {
                "iss": self.base_url,
                "aud": self.client_id,
                "sub": grant.claims["sub"],
                "nonce": grant.nonce,
                "iat": now,
                "exp": now + 300,
            },
            self.key,
            algorithm="RS256",
            headers={"kid": KEY_ID},
        )
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = grant.claims
        return 200, {"id_token": id_token, "access_token": access_token, "token_type": "Bearer"}


def _handler(provider: LocalProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path == "/token":
                self._answer(*provider.token(form))
            else:
                self._answer(404, {})

        def do_GET(self) -> None:
            if self.path == "/jwks":
                self._answer(200, provider.jwks())
            elif self.path == "/userinfo":
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                claims = provider.tokens.get(bearer)
                if claims:
                    self._answer(200, claims)
                else:
                    self._answer(401, {})
            else:
                self._answer(404, {})

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the tests say what matters

    return Handler


def serve(provider: LocalProvider) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve ``provider`` on a free port of 127.0.0.1 in a thread; sets its ``base_url``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
