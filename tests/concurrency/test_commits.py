"""Real commits from many connections at once: the database, not luck, keeps the rules."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from grants.app import create_app
from grants.audit.sequencer import run_sequencer
from grants.audit.signing import HeadSigner
from grants.audit.verify import verify_audit_log
from grants.core.actors import Actor
from grants.db.audit import record_audit
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.settings import DEVELOPMENT_AUDIT_KEY, as_asyncpg_url
from tests.conftest import client_for, make_settings
from tests.factories import mail_tokens, register, registration_body


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=10)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def committed_app(committed_database_url: str, committed_engine: AsyncEngine) -> Litestar:
    settings = make_settings(committed_database_url)
    return create_app(
        settings,
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
    )


async def test_concurrent_appends_and_two_racing_sequencers_make_one_gap_free_tree(
    committed_engine: AsyncEngine,
) -> None:
    """Eight writers append without waiting for each other while two sequencers run beside
    them the whole time: every entry ends up at exactly one position, 0 … 79 without a gap,
    and every signed head matches the tree."""
    factory = async_sessionmaker(committed_engine, class_=AsyncSession, expire_on_commit=False)
    signer = HeadSigner(bytes.fromhex(DEVELOPMENT_AUDIT_KEY))
    writing = True

    async def append(worker: int) -> None:
        for i in range(10):
            async with factory() as session, session.begin():
                await record_audit(
                    session,
                    actor=Actor.system(f"worker-{worker}"),
                    action="thing_changed",
                    object_type="thing",
                    object_id=f"{worker}-{i}",
                    now=datetime.now(UTC),
                    after={"i": i},
                )

    async def sequencer() -> int:
        done = 0
        while writing:
            done += await run_sequencer(factory, signer, lambda: datetime.now(UTC), limit=7)
            await asyncio.sleep(0)
        return done

    sequencers = [asyncio.create_task(sequencer()) for _ in range(2)]
    await asyncio.gather(*(append(w) for w in range(8)))
    writing = False
    sequenced = sum(await asyncio.gather(*sequencers))
    sequenced += await run_sequencer(factory, signer, lambda: datetime.now(UTC))
    async with factory() as session, session.begin():
        report = await verify_audit_log(session, public_keys=[signer.public_key])
        counts = (
            await session.execute(
                sa.text("SELECT min(position), max(position), count(position) FROM audit_log")
            )
        ).one()
    assert report.first_break is None
    assert sequenced == 80
    assert (report.checked, report.tree_size, report.unsequenced) == (80, 80, 0)
    assert report.heads_checked >= 12  # batches of at most 7
    assert tuple(counts) == (0, 79, 80)


async def test_racing_registrations_of_one_email_create_one_account(
    committed_app: Litestar, committed_engine: AsyncEngine
) -> None:
    """Registration answers 202 alike; the account is made on confirmation. Confirmations of
    two pending registrations of one address, at once: one account, one organisation, no
    half-written one and no deadlock (they lock the address's pending rows in one order)."""
    async with client_for(committed_app) as client:
        for legal_name in ("Erster e.V.", "Zweiter e.V."):
            body = registration_body(
                email="race@example.org", organisation={"legal_name": legal_name}
            )
            assert (await client.post("/api/auth/register", json=body)).status_code == 202
        tokens = await mail_tokens(client, "race@example.org", "registration_confirmation")
        assert len(tokens) == 2
        responses = await asyncio.gather(
            *(
                client.post("/api/auth/register/confirm", json={"token": token})
                for token in tokens * 3
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 422, 422, 422, 422, 422], [r.text for r in responses]
    async with committed_engine.connect() as connection:
        users = (
            await connection.execute(
                sa.text("SELECT count(*) FROM users WHERE email = 'race@example.org'")
            )
        ).scalar_one()
        orgs = (
            await connection.execute(sa.text("SELECT count(*) FROM organisations"))
        ).scalar_one()
        pending = (
            await connection.execute(sa.text("SELECT count(*) FROM pending_registrations"))
        ).scalar_one()
    assert (users, orgs, pending) == (1, 1, 0)


async def test_racing_refreshes_of_one_token_yield_at_most_one_new_pair(
    committed_app: Litestar,
) -> None:
    async with client_for(committed_app) as client:
        body = registration_body()
        await register(client, **body)
        tokens = (
            await client.post(
                "/api/auth/login", json={"email": body["email"], "password": body["password"]}
            )
        ).json()
        responses = await asyncio.gather(
            *(
                client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
                for _ in range(5)
            )
        )
    assert sum(r.status_code == 200 for r in responses) <= 1
    assert all(r.status_code in {200, 401} for r in responses)


async def test_read_sessions_run_without_a_transaction(committed_engine: AsyncEngine) -> None:
    """Autocommit: each statement is its own transaction (no BEGIN/COMMIT round trips)."""

    async def two_transaction_ids(factory: async_sessionmaker[AsyncSession]) -> set[int]:
        async with factory() as session, session.begin():
            first = (await session.execute(sa.text("SELECT txid_current()"))).scalar_one()
            second = (await session.execute(sa.text("SELECT txid_current()"))).scalar_one()
        return {first, second}

    assert len(await two_transaction_ids(build_read_session_factory(committed_engine))) == 2
    assert len(await two_transaction_ids(build_session_factory(committed_engine))) == 1


async def test_get_requests_work_on_read_sessions(committed_app: Litestar) -> None:
    async with client_for(committed_app) as client:
        body = registration_body()
        await register(client, **body)
        login = await client.post(
            "/api/auth/login", json={"email": body["email"], "password": body["password"]}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = await client.get("/api/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["user"]["email"] == body["email"]
        assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
        assert (await client.get("/api/me", headers=headers)).status_code == 401
