"""Tokens of an external OpenID Connect provider, end to end through the API."""

import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.accounts.tables import User
from grants.app import create_app
from grants.settings import Settings
from tests.conftest import client_for, make_settings
from tests.fakes import FakeClock
from tests.jwt_forge import forge_hs256, private_pem, public_key_encodings

ISSUER = "https://id.sachsen.example/realms/foerderportal"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS = {
    "keys": [
        {
            **jwk.construct(private_pem(KEY), "RS256").public_key().to_dict(),
            "kid": "k1",
            "use": "sig",
        }
    ]
}


@pytest.fixture
def oidc_settings(database_url: str) -> Settings:
    return make_settings(
        database_url, oidc_issuer=ISSUER, oidc_audience="foerderportal", oidc_jwks=JWKS
    )


@pytest.fixture
def oidc_app(
    oidc_settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return create_app(
        oidc_settings, session_factory=session_factory, clock=clock, configure_logs=False
    )


def provider_token(subject: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "foerderportal",
        "sub": subject,
        "iat": now,
        "exp": now + 300,
        **overrides,
    }
    return jwt.encode(claims, private_pem(KEY).decode(), algorithm="RS256", headers={"kid": "k1"})


async def _linked_user(db_session: AsyncSession, subject: str) -> User:
    user = User(
        email=f"{uuid.uuid4().hex[:8]}@behoerde.example",
        display_name="Olga OIDC",
        oidc_issuer=ISSUER,
        oidc_subject=subject,
    )
    async with db_session.begin():
        db_session.add(user)
    return user


async def test_provider_token_of_a_linked_user_is_accepted(
    oidc_app: Litestar, db_session: AsyncSession
) -> None:
    user = await _linked_user(db_session, "olga")
    async with client_for(oidc_app) as client:
        response = await client.get(
            "/api/me", headers={"Authorization": f"Bearer {provider_token('olga')}"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["user"]["email"] == user.email
        # Logging out a provider session is a no-op for us, and harmless.
        logout = await client.post(
            "/api/auth/logout", headers={"Authorization": f"Bearer {provider_token('olga')}"}
        )
        assert logout.status_code == 204


async def test_provider_token_of_an_unknown_subject_is_401(oidc_app: Litestar) -> None:
    async with client_for(oidc_app) as client:
        response = await client.get(
            "/api/me", headers={"Authorization": f"Bearer {provider_token('nobody')}"}
        )
        assert response.status_code == 401


@pytest.mark.parametrize("encoding", ["pem", "der", "openssh"])
async def test_hs256_forged_with_the_provider_public_key_is_401(
    oidc_app: Litestar, db_session: AsyncSession, encoding: str
) -> None:
    await _linked_user(db_session, "olga")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "foerderportal", "sub": "olga", "iat": now, "exp": now + 300}
    token = forge_hs256({"alg": "HS256", "kid": "k1"}, claims, public_key_encodings(KEY)[encoding])
    async with client_for(oidc_app) as client:
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"keys": []}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def key_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("header", ["jku", "x5u"])
async def test_key_url_headers_are_401_and_nothing_is_fetched(
    oidc_app: Litestar, db_session: AsyncSession, key_server: str, header: str
) -> None:
    await _linked_user(db_session, "olga")
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "foerderportal", "sub": "olga", "iat": now, "exp": now + 300}
    token = jwt.encode(
        claims,
        private_pem(attacker).decode(),
        algorithm="RS256",
        headers={"kid": "k1", header: f"{key_server}/jwks.json"},
    )
    async with client_for(oidc_app) as client:
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert _Recorder.hits == []


async def test_embedded_jwk_header_is_401(oidc_app: Litestar, db_session: AsyncSession) -> None:
    await _linked_user(db_session, "olga")
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    embedded = jwk.construct(private_pem(attacker), "RS256").public_key().to_dict()
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "foerderportal", "sub": "olga", "iat": now, "exp": now + 300}
    token = jwt.encode(
        claims, private_pem(attacker).decode(), algorithm="RS256", headers={"jwk": embedded}
    )
    async with client_for(oidc_app) as client:
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
