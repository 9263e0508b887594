"""Anonymous registration, password-reset requests and token refresh are throttled like
login: 429 problem+json with ``Retry-After``, counted in PostgreSQL per client address (the
ASGI peer, never a request header), per recipient mailbox, and per login session."""

import httpx

from tests.api.accounts.conftest import AppWith
from tests.conftest import client_for
from tests.factories import login, register, registration_body
from tests.fakes import FakeClock

# What a client might send to pass for someone else; the app reads none of them.
FORGED = (
    {"X-Forwarded-For": "198.51.100.1"},
    {"X-Forwarded-For": "10.0.0.1, 198.51.100.2"},
    {"X-Real-IP": "198.51.100.3"},
    {"Forwarded": "for=198.51.100.4"},
)


def assert_throttled(response: httpx.Response, longest: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(response.headers["retry-after"]) <= longest
    problem = response.json()
    assert problem["type"] == "urn:grants:problem:too-many-attempts"
    assert problem["detail"].startswith("Zu viele Anfragen")
    assert "(too many requests" in problem["detail"]


async def test_registration_is_throttled_per_address_and_forged_headers_do_not_help(
    app_with: AppWith, clock: FakeClock
) -> None:
    app = app_with(registrations_per_address=3)
    async with client_for(app, "203.0.113.5") as client:
        for _ in range(3):
            response = await client.post("/api/auth/register", json=registration_body())
            assert response.status_code == 202, response.text
        assert_throttled(
            await client.post("/api/auth/register", json=registration_body()), longest=3600
        )
        for headers in FORGED:
            forged = await client.post(
                "/api/auth/register", json=registration_body(), headers=headers
            )
            assert_throttled(forged, longest=3600)
    async with client_for(app, "198.51.100.7") as elsewhere:
        response = await elsewhere.post("/api/auth/register", json=registration_body())
        assert response.status_code == 202
    clock.advance(seconds=3601)
    async with client_for(app, "203.0.113.5") as client:
        response = await client.post("/api/auth/register", json=registration_body())
        assert response.status_code == 202


async def test_even_refused_input_counts_so_the_endpoint_is_no_free_oracle(
    app_with: AppWith,
) -> None:
    app = app_with(registrations_per_address=2)
    async with client_for(app, "203.0.113.6") as client:
        for _ in range(2):
            weak = await client.post(
                "/api/auth/register", json=registration_body(password="password1234")
            )
            assert weak.status_code == 422
        assert_throttled(
            await client.post("/api/auth/register", json=registration_body()), longest=3600
        )


async def test_mails_to_one_mailbox_are_bounded_alike_for_known_and_unknown_addresses(
    app_with: AppWith,
) -> None:
    """From many client addresses at once: the recipient's counter stops the mails, and
    a known address is throttled exactly like an unknown one (no enumeration by 429)."""
    app = app_with(account_mails_per_recipient=2)
    async with client_for(app) as own:
        known = await register(own)
    statuses: dict[str, list[int]] = {}
    for email in (known["email"], "nobody@example.org"):
        statuses[email] = []
        for n in range(4):
            async with client_for(app, f"203.0.113.{20 + n}") as someone:
                response = await someone.post(
                    "/api/auth/register", json=registration_body(email=email)
                )
                statuses[email].append(response.status_code)
    # The known address already had its confirmation mail: one mail fewer remains.
    assert statuses[known["email"]] == [202, 429, 429, 429]
    assert statuses["nobody@example.org"] == [202, 202, 429, 429]
    # The password reset shares the mailbox's counter.
    async with client_for(app, "203.0.113.40") as someone:
        reset = await someone.post("/api/auth/password-reset", json={"email": "nobody@example.org"})
    assert_throttled(reset, longest=3600)


async def test_password_reset_requests_are_throttled_per_address_whatever_the_address(
    app_with: AppWith,
) -> None:
    app = app_with(password_resets_per_address=2)
    async with client_for(app) as own:
        known = await register(own)
    async with client_for(app, "203.0.113.50") as client:
        statuses = [
            (await client.post("/api/auth/password-reset", json={"email": email})).status_code
            for email in (known["email"], "ghost@example.org", known["email"])
        ]
        assert statuses == [202, 202, 429]
        again = await client.post(
            "/api/auth/password-reset",
            json={"email": "ghost@example.org"},
            headers=FORGED[0],
        )
        assert_throttled(again, longest=3600)


async def test_refresh_is_throttled_per_session(app_with: AppWith, clock: FakeClock) -> None:
    app = app_with(refreshes_per_session=3)
    async with client_for(app) as client:
        user = await register(client)
        tokens = await login(client, user["email"], user["password"])
        other_session = await login(client, user["email"], user["password"])
        for _ in range(3):
            response = await client.post(
                "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert response.status_code == 200, response.text
            tokens = response.json()
        throttled = await client.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert_throttled(throttled, longest=60)
        # The family is counted, not the user: the other login refreshes as before.
        other = await client.post(
            "/api/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
        )
        assert other.status_code == 200
        # The refused attempt did not rotate: the same token works once the window passed.
        clock.advance(seconds=61)
        later = await client.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert later.status_code == 200


async def test_refresh_failures_are_throttled_per_address(app_with: AppWith) -> None:
    app = app_with(refresh_failures_per_address=3)
    async with client_for(app) as owner:
        user = await register(owner)
        tokens = await login(owner, user["email"], user["password"])
    async with client_for(app, "203.0.113.77") as attacker:
        for garbage in ("x", "a.b.c", tokens["access_token"]):
            response = await attacker.post("/api/auth/refresh", json={"refresh_token": garbage})
            assert response.status_code == 401
        for headers in ({}, *FORGED):
            blocked = await attacker.post(
                "/api/auth/refresh", json={"refresh_token": "x"}, headers=headers
            )
            assert_throttled(blocked, longest=60)
        # Like login: from a throttled address even a valid token waits.
        valid = await attacker.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert_throttled(valid, longest=60)
    async with client_for(app) as owner:
        response = await owner.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert response.status_code == 200
