"""Every token attack the foundation issue lists, sent to a real endpoint: 401 each.

Each forged token differs from a working one in exactly the attacked aspect: it names a real
user and a live login session, so only the defence under test can stop it."""

import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.settings import Settings
from tests.conftest import TEST_SECRET, client_for, make_settings
from tests.factories import login, register
from tests.fakes import FakeClock
from tests.jwt_forge import b64url, forge, forge_hs256, private_pem, public_key_encodings

OIDC_ISSUER = "https://id.sachsen.example/realms/foerderportal"
OIDC_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS = {
    "keys": [{**jwk.construct(private_pem(OIDC_KEY), "RS256").public_key().to_dict(), "kid": "k1"}]
}


@pytest.fixture
def app(
    database_url: str, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    settings: Settings = make_settings(database_url, oidc_issuer=OIDC_ISSUER, oidc_jwks=JWKS)
    return create_app(settings, session_factory=session_factory, clock=clock, configure_logs=False)


@pytest.fixture
async def valid_claims(app: Litestar) -> dict[str, Any]:
    async with client_for(app) as client:
        user = await register(client)
        tokens = await login(client, user["email"], user["password"])
    claims: dict[str, Any] = jwt.get_unverified_claims(tokens["access_token"])
    return claims


def _fresh(claims: dict[str, Any], **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {**claims, "iat": now, "nbf": now, "exp": now + 300, **changes}


def _sign(claims: dict[str, Any], **headers: Any) -> str:
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256", headers=headers or None)


def _tampered(claims: dict[str, Any]) -> str:
    """A valid signature over the original payload, with the payload then changed."""
    head, _, signature = _sign(_fresh(claims)).split(".")
    forged_body = forge({}, _fresh(claims, exp=int(time.time()) + 86400 * 365)).split(".")[1]
    return f"{head}.{forged_body}.{signature}"


ATTACKS: dict[str, Callable[[dict[str, Any]], str]] = {
    "tampered payload": _tampered,
    "null signature": lambda c: ".".join(_sign(_fresh(c)).split(".")[:2]) + ".",
    "expired": lambda c: _sign(
        _fresh(
            c, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200, exp=int(time.time()) - 3600
        )
    ),
    "future nbf": lambda c: _sign(_fresh(c, nbf=int(time.time()) + 3600)),
    "wrong audience": lambda c: _sign(_fresh(c, aud="another-api")),
    "wrong issuer": lambda c: _sign(_fresh(c, iss="urn:someone-else")),
    "alg none": lambda c: forge({"alg": "none", "typ": "JWT"}, _fresh(c)),
    "embedded jwk": lambda c: _sign(
        _fresh(c), jwk={"kty": "oct", "k": b64url(TEST_SECRET.encode())}
    ),
    "jku header": lambda c: _sign(_fresh(c), jku="http://127.0.0.1:9/jwks.json"),
    "x5u header": lambda c: _sign(_fresh(c), x5u="http://127.0.0.1:9/cert.pem"),
    "refresh used as access": lambda c: _sign(
        _fresh(c, aud=c["aud"] + ":refresh", token_use="refresh")
    ),
    **{
        f"HS256 with the OIDC public key as {encoding}": (
            lambda c, encoding=encoding: forge_hs256(
                {"alg": "HS256", "kid": "k1"},
                _fresh(c, iss=OIDC_ISSUER, aud=c["aud"]),
                public_key_encodings(OIDC_KEY)[encoding],
            )
        )
        for encoding in ("pem", "der", "openssh")
    },
}


async def test_the_unforged_control_token_is_accepted(
    app: Litestar, valid_claims: dict[str, Any]
) -> None:
    async with client_for(app) as client:
        response = await client.get(
            "/api/me", headers={"Authorization": f"Bearer {_sign(_fresh(valid_claims))}"}
        )
    assert response.status_code == 200


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_attack_is_401(app: Litestar, valid_claims: dict[str, Any], attack: str) -> None:
    token = ATTACKS[attack](valid_claims)
    async with client_for(app) as client:
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
