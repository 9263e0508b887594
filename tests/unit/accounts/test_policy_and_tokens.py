"""E-mail links come from the configured public URL (or the configured host and port),
with the token in the fragment; tokens are random, 43 URL-safe characters, stored as SHA-256."""

import hashlib
import re
from datetime import timedelta

from grants.accounts.onetime import TOKEN_PATTERN, new_token, token_hash
from grants.accounts.policy import AccountPolicy
from grants.settings import load_settings


def test_links_start_with_the_configured_public_url() -> None:
    policy = AccountPolicy.from_settings(
        load_settings(public_base_url="https://foerderportal.sachsen.example/")
    )
    assert policy.public_base_url == "https://foerderportal.sachsen.example"
    assert policy.link("/password-reset/confirm", "abc_-1") == (
        "https://foerderportal.sachsen.example/password-reset/confirm#token=abc_-1"
    )
    assert policy.page("/login") == "https://foerderportal.sachsen.example/login"


def test_a_public_url_with_a_path_keeps_it() -> None:
    policy = AccountPolicy.from_settings(load_settings(public_base_url="https://sab.example/lifd"))
    assert policy.link("/x", "t") == "https://sab.example/lifd/x#token=t"


def test_without_a_public_url_the_configured_host_and_port_serve() -> None:
    policy = AccountPolicy.from_settings(load_settings(host="0.0.0.0", port=8080))  # noqa: S104
    assert policy.public_base_url == "http://0.0.0.0:8080"


def test_the_settings_reach_the_policy() -> None:
    policy = AccountPolicy.from_settings(
        load_settings(
            password_reset_minutes=10,
            registration_confirmation_hours=48,
            invitation_days=3,
            registrations_per_address=4,
            refresh_window_seconds=30,
        )
    )
    assert policy.password_reset_lifetime == timedelta(minutes=10)
    assert policy.registration_lifetime == timedelta(hours=48)
    assert policy.invitation_lifetime == timedelta(days=3)
    assert policy.registrations_per_address == 4
    assert policy.refresh_window == timedelta(seconds=30)
    defaults = AccountPolicy.from_settings(load_settings())
    assert defaults.password_reset_lifetime == timedelta(minutes=30)


def test_tokens_are_random_url_safe_and_stored_as_their_sha256() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len({t.token for t in tokens}) == 100
    for issued in tokens:
        assert re.fullmatch(TOKEN_PATTERN, issued.token)
        assert issued.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert token_hash(issued.token) == issued.token_hash
        assert issued.token not in issued.token_hash
