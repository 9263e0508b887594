"""The per-process memory of verified access tokens: only successes are kept, a hit still
expires, and a refresh token never passes as an access token."""

import time

import pytest
from jose import jwt

from grants.accounts.tokens import LEEWAY_SECONDS, InvalidToken, VerifiedAccessTokens
from tests.unit.accounts.test_tokens import KEYS, SECRET, local_claims, local_token


def test_a_verified_token_is_verified_again_from_memory_with_the_same_claims() -> None:
    tokens = VerifiedAccessTokens(KEYS)
    token = local_token()
    assert tokens.verify(token) == tokens.verify(token)


def test_a_remembered_token_that_has_expired_is_refused() -> None:
    tokens = VerifiedAccessTokens(KEYS)
    now = int(time.time())
    # Valid now, expired at the leeway's edge in one second (jose accepts within leeway).
    token = local_token(iat=now - 100, nbf=now - 100, exp=now - LEEWAY_SECONDS + 1)
    tokens.verify(token)
    time.sleep(1.1)
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_a_refused_token_is_not_remembered_and_a_tampered_copy_is_refused() -> None:
    tokens = VerifiedAccessTokens(KEYS)
    token = local_token()
    tokens.verify(token)
    head, payload, signature = token.split(".")
    tampered = ".".join(
        [head, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")]
    )
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(tampered)


def test_a_refresh_token_is_no_access_token_even_from_memory() -> None:
    tokens = VerifiedAccessTokens(KEYS)
    refresh = jwt.encode(
        local_claims(token_use="refresh", aud=KEYS.refresh_audience), SECRET, algorithm="HS256"
    )
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(refresh)


def test_memory_is_bounded() -> None:
    tokens = VerifiedAccessTokens(KEYS, size=3)
    for _ in range(10):
        tokens.verify(local_token())
    assert len(tokens._claims) == 3
