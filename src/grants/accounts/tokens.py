"""Issuing and verifying JSON Web Tokens. ``verify_token`` is the only place that decodes one.

The key and the algorithm come from the *expected issuer*, never from the token header:
locally issued tokens are HS256 with the server secret; tokens of the configured OpenID
Connect provider are RS256/ES256 with that provider's JWKS keys, each key pinned to its one
algorithm. Keys are parsed once (``TokenKeys.from_settings``) and reused. python-jose does
the cryptography; this wrapper is kept thin so that the library could be swapped.
"""

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from jose import jwk, jws, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

from grants.settings import Settings

LOCAL_ALGORITHM = "HS256"
# JWK key type (and curve) -> the only algorithm such a key may verify.
_OIDC_ALGORITHM_BY_KEY: dict[tuple[Any, Any], str] = {
    ("RSA", None): "RS256",
    ("EC", "P-256"): "ES256",
}
# Headers that would let a token name its own key or a URL to fetch one from.
_REFUSED_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "crit"})
LEEWAY_SECONDS = 30


class TokenPurpose(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    # The portal's session cookie: a login session of its own, for the browser only (its
    # own audience, so neither API token can be replayed as a cookie nor the reverse).
    BROWSER = "browser"


class InvalidToken(Exception):
    """Any reason a token is not accepted. The reason is for logs, never for the client."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    issuer: str
    subject: str
    purpose: TokenPurpose
    jti: str | None
    session_id: uuid.UUID | None
    expires_at: datetime
    is_local: bool


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    jti: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenKeys:
    local_issuer: str
    access_audience: str
    refresh_audience: str
    browser_audience: str
    local_key: Key
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    # kid (None for a JWKS without kids) -> (algorithm, parsed public key)
    oidc_keys: Mapping[str | None, tuple[str, Key]] = field(default_factory=dict)

    def audience_of(self, purpose: TokenPurpose) -> str:
        if purpose is TokenPurpose.ACCESS:
            return self.access_audience
        return self.refresh_audience if purpose is TokenPurpose.REFRESH else self.browser_audience

    @classmethod
    def from_settings(cls, settings: Settings) -> "TokenKeys":
        return cls(
            local_issuer=settings.jwt_issuer,
            access_audience=settings.jwt_audience,
            refresh_audience=f"{settings.jwt_audience}:refresh",
            browser_audience=f"{settings.jwt_audience}:browser",
            local_key=jwk.construct(settings.secret_key.get_secret_value(), LOCAL_ALGORITHM),
            oidc_issuer=settings.oidc_issuer,
            oidc_audience=settings.oidc_audience or settings.jwt_audience,
            oidc_keys=parse_jwks(settings.load_oidc_jwks() or {"keys": []}),
        )


def parse_jwks(document: Mapping[str, Any]) -> dict[str | None, tuple[str, Key]]:
    """Signing keys of a JWKS, each bound to the one algorithm its type allows. Keys of
    other types, encryption keys and keys declaring a different algorithm are left out."""
    keys: dict[str | None, tuple[str, Key]] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, Mapping) or entry.get("use", "sig") != "sig":
            continue
        kty = entry.get("kty")
        algorithm = _OIDC_ALGORITHM_BY_KEY.get((kty, entry.get("crv") if kty == "EC" else None))
        if algorithm is None or entry.get("alg", algorithm) != algorithm:
            continue
        public = {k: v for k, v in entry.items() if k not in {"d", "p", "q", "dp", "dq", "qi"}}
        keys[entry.get("kid")] = (algorithm, jwk.construct(public, algorithm))
    return keys


def issue_token(
    keys: TokenKeys,
    *,
    subject: str,
    purpose: TokenPurpose,
    session_id: uuid.UUID,
    now: datetime,
    lifetime: timedelta,
    jti: uuid.UUID | None = None,
) -> IssuedToken:
    token_id = jti or uuid.uuid4()
    expires_at = now + lifetime
    claims = {
        "iss": keys.local_issuer,
        "aud": keys.audience_of(purpose),
        "sub": subject,
        "sid": str(session_id),
        "jti": str(token_id),
        "token_use": purpose.value,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    token = jwt.encode(claims, keys.local_key, algorithm=LOCAL_ALGORITHM)
    return IssuedToken(token=token, jti=token_id, expires_at=expires_at)


_REQUIRED = {
    "verify_signature": True,
    "verify_aud": True,
    "verify_iat": True,
    "verify_exp": True,
    "verify_nbf": True,
    "verify_iss": True,
    "verify_sub": True,
    "require_aud": True,
    "require_iat": True,
    "require_exp": True,
    "require_iss": True,
    "require_sub": True,
    "leeway": LEEWAY_SECONDS,
}


def verify_token(  # noqa: PLR0912 (each rejection reason is a branch of its own)
    token: str, keys: TokenKeys, *, purpose: TokenPurpose
) -> TokenClaims:
    try:
        header = jws.get_unverified_header(token)
        unverified = jwt.get_unverified_claims(token)
    except (JOSEError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidToken(f"malformed token: {exc}") from None
    refused = _REFUSED_HEADERS.intersection(header)
    if refused:
        raise InvalidToken(f"refused header parameters: {sorted(refused)}")
    issuer = unverified.get("iss")

    if issuer == keys.local_issuer:
        key, algorithm = keys.local_key, LOCAL_ALGORITHM
        audience = keys.audience_of(purpose)
        is_local = True
    elif keys.oidc_issuer is not None and issuer == keys.oidc_issuer:
        if purpose is not TokenPurpose.ACCESS:
            raise InvalidToken("the OIDC provider's tokens are access tokens only")
        kid = header.get("kid")
        if kid not in keys.oidc_keys:
            raise InvalidToken(f"unknown key id {kid!r}")
        algorithm, key = keys.oidc_keys[kid]
        audience = keys.oidc_audience or keys.access_audience
        is_local = False
    else:
        raise InvalidToken(f"unknown issuer {issuer!r}")

    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            options={**_REQUIRED, "require_jti": is_local},
        )
    except (JOSEError, ValueError, TypeError) as exc:
        raise InvalidToken(f"rejected: {exc}") from None

    now = datetime.now(UTC).timestamp()
    if not isinstance(claims.get("iat"), int | float) or claims["iat"] > now + LEEWAY_SECONDS:
        raise InvalidToken("iat is missing or in the future")
    if not isinstance(claims.get("exp"), int | float):
        raise InvalidToken("exp is not a number")
    session_id = None
    if is_local:
        if claims.get("token_use") != purpose.value:
            raise InvalidToken(f"token_use is not {purpose.value}")
        try:
            session_id = uuid.UUID(str(claims.get("sid")))
        except ValueError:
            raise InvalidToken("sid is not a session id") from None
    return TokenClaims(
        issuer=str(issuer),
        subject=str(claims["sub"]),
        purpose=purpose,
        jti=None if claims.get("jti") is None else str(claims["jti"]),
        session_id=session_id,
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        is_local=is_local,
    )


class VerifiedAccessTokens:
    """Access tokens this process verified before, by their exact text.

    A token's signature, algorithm, issuer and audience are properties of its bytes and the
    keys, so the verdict for the same text and keys never changes — except through time,
    which is why every hit re-checks the expiry (the same leeway as ``jwt.decode``). Only
    successful verifications are kept; a token that failed is verified again each time. The
    login session behind a token is *not* cached here: ``signin.load_principal`` checks it
    on every request. Verifying with python-jose costs about 0.2 ms of CPU; a hit, a dict
    lookup. Bounded: past ``size`` entries the oldest goes."""

    def __init__(self, keys: TokenKeys, *, size: int = 4096) -> None:
        self._keys = keys
        self._size = size
        self._claims: dict[str, TokenClaims] = {}

    def verify(self, token: str) -> TokenClaims:
        claims = self._claims.get(token)
        if claims is None:
            claims = verify_token(token, self._keys, purpose=TokenPurpose.ACCESS)
            if len(self._claims) >= self._size:
                del self._claims[next(iter(self._claims))]
            self._claims[token] = claims
        elif claims.expires_at.timestamp() + LEEWAY_SECONDS < time.time():
            del self._claims[token]
            raise InvalidToken("rejected: Signature has expired.")
        return claims
