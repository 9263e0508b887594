"""The authenticated path as the service runs it: the token verified once per process, the
principal read with one prepared statement on the bare asyncpg pool (``db.hot_reads``) and
kept for ``principal_cache_seconds``. What the cache may and may not delay, with real
commits: a logout through the app counts at once; a revocation made elsewhere counts within
the documented bound, and at once with the cache off."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from grants.app import create_app
from grants.db.hot_reads import PoolReads
from grants.settings import as_asyncpg_url
from tests.conftest import client_for, make_settings
from tests.factories import bearer, login, register


@asynccontextmanager
async def service(url: str, cache_seconds: float) -> AsyncIterator[httpx.AsyncClient]:
    """The app built as `grants serve` builds it (its own engine and hot-read pool)."""
    app = create_app(
        make_settings(url, principal_cache_seconds=cache_seconds), configure_logs=False
    )
    assert isinstance(app.state.hot_reads, PoolReads)
    async with app.lifespan(), client_for(app) as client:
        yield client


async def revoke_elsewhere(url: str, user_id: str) -> None:
    """What another process (or an operator) does: end the user's sessions in the database."""
    engine = create_async_engine(as_asyncpg_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :u"),
                {"u": user_id},
            )
    finally:
        await engine.dispose()


async def test_me_through_the_bare_pool_names_the_user_and_the_organisation(
    committed_register: str,
) -> None:
    async with service(committed_register, 2.0) as client:
        account = await register(client)
        headers = bearer(await login(client, account["email"], account["password"]))
        me = await client.get("/api/me", headers=headers)
        again = await client.get("/api/me", headers=headers)  # from the cache
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"]["email"] == account["email"]
    assert [(m["organisation"]["id"], m["role"]) for m in body["memberships"]] == [
        (account["organisation"]["id"], "admin")
    ]
    assert again.json() == body


async def test_a_logout_through_the_app_counts_at_once_despite_the_cache(
    committed_register: str,
) -> None:
    async with service(committed_register, 30.0) as client:
        account = await register(client)
        tokens = await login(client, account["email"], account["password"])
        assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 200
        logout = await client.post("/api/auth/logout", headers=bearer(tokens))
        assert logout.status_code == 204, logout.text
        assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 401


async def test_a_revocation_elsewhere_counts_within_the_bound(committed_register: str) -> None:
    ttl = 0.5
    async with service(committed_register, ttl) as client:
        account = await register(client)
        headers = bearer(await login(client, account["email"], account["password"]))
        assert (await client.get("/api/me", headers=headers)).status_code == 200
        await revoke_elsewhere(committed_register, account["user"]["id"])
        # Within the bound the cached principal may still answer (that is the trade-off the
        # setting documents) ...
        assert (await client.get("/api/me", headers=headers)).status_code in (200, 401)
        await asyncio.sleep(ttl + 0.05)
        # ... past it, never.
        assert (await client.get("/api/me", headers=headers)).status_code == 401


async def test_with_the_cache_off_a_revocation_elsewhere_counts_at_once(
    committed_register: str,
) -> None:
    async with service(committed_register, 0.0) as client:
        account = await register(client)
        headers = bearer(await login(client, account["email"], account["password"]))
        assert (await client.get("/api/me", headers=headers)).status_code == 200
        await revoke_elsewhere(committed_register, account["user"]["id"])
        assert (await client.get("/api/me", headers=headers)).status_code == 401
