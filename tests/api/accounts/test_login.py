import argon2
import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts import passwords
from grants.accounts.tables import AuthSession
from grants.db.audit import AuditLog
from tests.conftest import client_for
from tests.factories import bearer, login, register
from tests.fakes import FakeClock


async def test_login_returns_bearer_tokens_that_open_me(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await login(client, user["email"].upper(), user["password"])
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    me = await client.get("/api/me", headers=bearer(tokens))
    assert me.status_code == 200
    body = me.json()
    assert body["user"]["email"] == user["email"]
    assert body["staff_roles"] == []
    assert [m["role"] for m in body["memberships"]] == ["admin"]
    assert body["memberships"][0]["organisation"]["id"] == user["organisation"]["id"]


async def test_login_is_audited(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    user = await register(client)
    await login(client, user["email"], user["password"])
    async with db_session.begin():
        last = (
            await db_session.execute(sa.select(AuditLog).order_by(AuditLog.seq.desc()).limit(1))
        ).scalar_one()  # type: ignore[attr-defined]
    assert (last.action, last.actor_label) == ("user_logged_in", user["email"])


async def test_wrong_password_and_unknown_user_get_the_same_401(client: httpx.AsyncClient) -> None:
    user = await register(client)
    wrong = await client.post(
        "/api/auth/login", json={"email": user["email"], "password": "nope-nope-nope"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"email": "ghost@example.org", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"].startswith("Bearer")


def test_dummy_hash_costs_as_much_as_a_real_one() -> None:
    """Unknown accounts are verified against a dummy hash with the same Argon2 parameters, so
    the work (and so the time) of a failed login does not reveal whether the account exists."""
    real = argon2.extract_parameters(passwords.hash_password("whatever-password"))
    dummy = argon2.extract_parameters(passwords._DUMMY_HASH)
    assert dummy == real
    assert real.type is argon2.Type.ID
    assert passwords.verify_password(None, "whatever-password") is False


async def test_no_token_or_malformed_header_is_401_problem(client: httpx.AsyncClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer x.y.z"},
    ):
        response = await client.get("/api/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["type"] == "urn:grants:problem:authentication-failed"


async def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_session(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    user = await register(client)
    first = await login(client, user["email"], user["password"])
    clock.advance(seconds=5)
    second = (
        await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/me", headers=bearer(second))).status_code == 200

    replay = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # The replay burnt the session: the newer tokens stop working too.
    assert (await client.get("/api/me", headers=bearer(second))).status_code == 401
    again = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


async def test_refresh_token_is_refused_as_access_token(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    response = await client.get(
        "/api/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert response.status_code == 401


async def test_access_token_is_refused_as_refresh_token(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    response = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens["access_token"]}
    )
    assert response.status_code == 401


async def test_access_token_replayed_after_logout_is_401(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    other = await login(client, user["email"], user["password"])
    assert (await client.post("/api/auth/logout", headers=bearer(tokens))).status_code == 204
    assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 401
    refresh = await client.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    # Another login of the same user is a separate session and stays valid.
    assert (await client.get("/api/me", headers=bearer(other))).status_code == 200
    async with db_session.begin():
        revoked = (
            await db_session.execute(
                sa.select(sa.func.count()).where(AuthSession.revoked_at.is_not(None))
            )  # type: ignore[union-attr]
        ).scalar_one()
    assert revoked == 1


async def test_session_expiry_ends_access(client: httpx.AsyncClient, clock: FakeClock) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    clock.advance(days=15)  # beyond the 14-day session; the access token itself is still valid
    assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 401


async def test_sixth_failure_within_a_minute_is_429_with_retry_after(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    user = await register(client)
    bad = {"email": user["email"], "password": "wrong-password-x"}
    for _ in range(5):
        assert (await client.post("/api/auth/login", json=bad)).status_code == 401
    throttled = await client.post("/api/auth/login", json=bad)
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    # Even the right password waits until the window has passed ...
    good = {"email": user["email"], "password": user["password"]}
    assert (await client.post("/api/auth/login", json=good)).status_code == 429
    clock.advance(seconds=61)
    assert (await client.post("/api/auth/login", json=good)).status_code == 200


async def test_attacker_cannot_lock_the_owner_out_from_another_address(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    user = await register(client)
    async with client_for(app, "203.0.113.66") as attacker:
        for _ in range(6):
            await attacker.post(
                "/api/auth/login", json={"email": user["email"], "password": "guess-guess-1"}
            )
        last = await attacker.post(
            "/api/auth/login", json={"email": user["email"], "password": "guess-guess-1"}
        )
        assert last.status_code == 429
    async with client_for(app, "198.51.100.7") as owner:
        ok = await owner.post(
            "/api/auth/login", json={"email": user["email"], "password": user["password"]}
        )
        assert ok.status_code == 200


async def test_spraying_many_accounts_from_one_address_is_throttled(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    async with client_for(app, "203.0.113.99") as sprayer:
        statuses = [
            (
                await sprayer.post(
                    "/api/auth/login",
                    json={"email": f"user{i}@example.org", "password": "Sommer2024!"},
                )
            ).status_code
            for i in range(21)
        ]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    # Other addresses are unaffected.
    user = await register(client)
    await login(client, user["email"], user["password"])
