"""verify_token against the attacks the foundation issue lists; no database needed."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jose import jwk, jwt

from grants.accounts.tokens import (
    InvalidToken,
    TokenKeys,
    TokenPurpose,
    issue_token,
    verify_token,
)
from grants.settings import load_settings
from tests.jwt_forge import b64url, forge, forge_hs256, private_pem, public_key_encodings

SECRET = "unit-test-secret-that-is-long-enough-0123456789"
OIDC_ISSUER = "https://login.example.org/realms/sachsen"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _public_jwk(private: Any, algorithm: str, kid: str) -> dict[str, Any]:
    public = jwk.construct(private_pem(private), algorithm).public_key().to_dict()
    return {**public, "kid": kid, "use": "sig"}


JWKS = {"keys": [_public_jwk(RSA_KEY, "RS256", "rsa-1"), _public_jwk(EC_KEY, "ES256", "ec-1")]}
KEYS = TokenKeys.from_settings(
    load_settings(
        secret_key=SECRET,
        oidc_issuer=OIDC_ISSUER,
        oidc_audience="grants-api",
        oidc_jwks=JWKS,
    )
)


def _now() -> int:
    return int(time.time())


def local_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": KEYS.local_issuer,
        "aud": KEYS.access_audience,
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "jti": str(uuid.uuid4()),
        "token_use": "access",
        "iat": _now(),
        "nbf": _now(),
        "exp": _now() + 300,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def oidc_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": OIDC_ISSUER,
        "aud": "grants-api",
        "sub": "f:1234:anna",
        "iat": _now(),
        "exp": _now() + 300,
    }
    claims.update(overrides)
    return claims


def local_token(**overrides: Any) -> str:
    return jwt.encode(local_claims(**overrides), SECRET, algorithm="HS256")


def rejected(token: str, purpose: TokenPurpose = TokenPurpose.ACCESS) -> bool:
    try:
        verify_token(token, KEYS, purpose=purpose)
    except InvalidToken:
        return True
    return False


def test_issued_access_token_verifies_with_its_session_and_subject() -> None:
    session_id = uuid.uuid4()
    issued = issue_token(
        KEYS,
        subject="user-1",
        purpose=TokenPurpose.ACCESS,
        session_id=session_id,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=5),
    )
    claims = verify_token(issued.token, KEYS, purpose=TokenPurpose.ACCESS)
    assert (claims.subject, claims.session_id, claims.is_local) == ("user-1", session_id, True)
    assert claims.jti == str(issued.jti)


def test_tampered_payload_is_rejected() -> None:
    original = local_claims()
    head, _, signature = jwt.encode(original, SECRET, algorithm="HS256").split(".")
    forged_body = b64url(json.dumps({**original, "sub": "someone-else"}).encode())
    assert rejected(f"{head}.{forged_body}.{signature}")


def test_null_and_empty_signatures_are_rejected() -> None:
    head, body, _ = local_token().split(".")
    assert rejected(f"{head}.{body}.")
    assert rejected(f"{head}.{body}.AAAA")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_is_rejected(alg: str) -> None:
    assert rejected(forge({"alg": alg, "typ": "JWT"}, local_claims()))


def test_expired_token_is_rejected() -> None:
    assert rejected(local_token(iat=_now() - 3600, nbf=_now() - 3600, exp=_now() - 120))


def test_token_without_exp_is_rejected() -> None:
    assert rejected(jwt.encode({**local_claims(), "exp": None}, SECRET, algorithm="HS256"))
    no_exp = {k: v for k, v in local_claims().items() if k != "exp"}
    assert rejected(jwt.encode(no_exp, SECRET, algorithm="HS256"))


def test_future_nbf_is_rejected() -> None:
    assert rejected(local_token(nbf=_now() + 3600))


def test_future_iat_is_rejected() -> None:
    assert rejected(local_token(iat=_now() + 3600))


def test_missing_iat_is_rejected() -> None:
    claims = {k: v for k, v in local_claims().items() if k != "iat"}
    assert rejected(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_wrong_audience_is_rejected() -> None:
    assert rejected(local_token(aud="some-other-api"))


def test_wrong_issuer_is_rejected() -> None:
    assert rejected(local_token(iss="urn:evil"))


def test_token_signed_with_another_secret_is_rejected() -> None:
    assert rejected(jwt.encode(local_claims(), "x" * 48, algorithm="HS256"))


def test_refresh_token_is_not_an_access_token() -> None:
    refresh = issue_token(
        KEYS,
        subject="user-1",
        purpose=TokenPurpose.REFRESH,
        session_id=uuid.uuid4(),
        now=datetime.now(UTC),
        lifetime=timedelta(days=1),
    )
    assert not rejected(refresh.token, TokenPurpose.REFRESH)
    assert rejected(refresh.token, TokenPurpose.ACCESS)
    # Even with the access audience, token_use still says refresh.
    assert rejected(local_token(token_use="refresh"))
    assert rejected(local_token(), TokenPurpose.REFRESH)


@pytest.mark.parametrize("header", ["jwk", "jku", "x5u", "x5c"])
def test_embedded_key_headers_are_rejected(header: str) -> None:
    value: Any = {"kty": "oct", "k": "AAAA"} if header == "jwk" else "http://127.0.0.1:9/keys"
    token = jwt.encode(local_claims(), SECRET, algorithm="HS256", headers={header: value})
    assert rejected(token)


@pytest.mark.parametrize(
    ("private", "algorithm", "kid"), [(RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")]
)
def test_oidc_tokens_signed_by_the_provider_verify(private: Any, algorithm: str, kid: str) -> None:
    token = jwt.encode(
        oidc_claims(), private_pem(private).decode(), algorithm=algorithm, headers={"kid": kid}
    )
    claims = verify_token(token, KEYS, purpose=TokenPurpose.ACCESS)
    assert (claims.issuer, claims.subject, claims.is_local, claims.session_id) == (
        OIDC_ISSUER,
        "f:1234:anna",
        False,
        None,
    )


def test_oidc_token_with_the_wrong_key_for_its_kid_is_rejected() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        oidc_claims(), private_pem(other).decode(), algorithm="RS256", headers={"kid": "rsa-1"}
    )
    assert rejected(token)


def test_oidc_token_with_unknown_kid_is_rejected() -> None:
    token = jwt.encode(
        oidc_claims(), private_pem(RSA_KEY).decode(), algorithm="RS256", headers={"kid": "nope"}
    )
    assert rejected(token)


def test_oidc_token_cannot_be_a_refresh_token() -> None:
    token = jwt.encode(
        oidc_claims(), private_pem(RSA_KEY).decode(), algorithm="RS256", headers={"kid": "rsa-1"}
    )
    assert rejected(token, TokenPurpose.REFRESH)


def test_oidc_token_for_another_audience_is_rejected() -> None:
    token = jwt.encode(
        oidc_claims(aud="other-client"),
        private_pem(RSA_KEY).decode(),
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )
    assert rejected(token)


def test_rs256_kid_cannot_be_used_with_es256_or_ps256() -> None:
    token = jwt.encode(
        oidc_claims(), private_pem(EC_KEY).decode(), algorithm="ES256", headers={"kid": "rsa-1"}
    )
    assert rejected(token)
    head = b64url(json.dumps({"alg": "PS256", "kid": "rsa-1"}).encode())
    body = b64url(json.dumps(oidc_claims()).encode())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    signature = RSA_KEY.sign(f"{head}.{body}".encode(), pss, hashes.SHA256())
    assert rejected(f"{head}.{body}.{b64url(signature)}")


@pytest.mark.parametrize("encoding", ["pem", "pkcs1_pem", "der", "openssh"])
@pytest.mark.parametrize(("private", "kid"), [(RSA_KEY, "rsa-1"), (EC_KEY, "ec-1")])
def test_hs256_signed_with_the_providers_public_key_is_rejected(
    private: Any, kid: str, encoding: str
) -> None:
    """Key confusion: the forger uses the public key bytes as an HMAC secret."""
    secret = public_key_encodings(private)[encoding]
    for header in ({"alg": "HS256", "kid": kid}, {"alg": "HS256"}):
        assert rejected(forge_hs256(header, oidc_claims(), secret))
        # Pretending to be a local token signed with the public key fails as well.
        assert rejected(forge_hs256(header, local_claims(), secret))


def test_unknown_issuer_is_rejected_before_any_key_is_chosen() -> None:
    token = jwt.encode(
        oidc_claims(iss="https://evil.example"), private_pem(RSA_KEY).decode(), algorithm="RS256"
    )
    assert rejected(token)


@pytest.mark.parametrize(
    "garbage", ["", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30", "\u00e9.\u00e9.\u00e9"]
)
def test_garbage_is_rejected_not_crashing(garbage: str) -> None:
    assert rejected(garbage)


def test_jwks_parsing_keeps_only_signing_keys_with_their_one_algorithm() -> None:
    from grants.accounts.tokens import parse_jwks

    keys = parse_jwks(
        {
            "keys": [
                _public_jwk(RSA_KEY, "RS256", "a"),
                {**_public_jwk(RSA_KEY, "RS256", "b"), "use": "enc"},
                {**_public_jwk(RSA_KEY, "RS256", "c"), "alg": "HS256"},
                {"kty": "oct", "k": "c2VjcmV0", "kid": "d"},
                _public_jwk(EC_KEY, "ES256", "e"),
            ]
        }
    )
    assert {kid: alg for kid, (alg, _) in keys.items()} == {"a": "RS256", "e": "ES256"}
