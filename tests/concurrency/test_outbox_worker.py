"""Two workers, each with its own procrastinate app, pool and SMTP connections, drain one
outbox whose jobs were deferred by the rows' own transaction: every message exactly once."""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from grants.jobs.registry import Overrides
from grants.notifications.mailers import SmtpMailer
from grants.notifications.service import enqueue_message
from grants.notifications.tables import outbox_table
from grants.notifications.worker import DELIVER_TASK
from grants.settings import as_asyncpg_url
from tests.integration.jobs.queue import eventually, jobs, running_worker
from tests.integration.notifications.smtp_peer import SmtpPeer

MESSAGES = 200


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=4)
    yield engine
    await engine.dispose()


async def test_two_workers_deliver_each_message_exactly_once(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    factory = async_sessionmaker(committed_engine, class_=AsyncSession, expire_on_commit=False)
    now = datetime.now(UTC)
    async with factory() as session, session.begin():
        for n in range(MESSAGES):
            await enqueue_message(
                session,
                dedupe_key=f"receipt:race-{n}",
                kind="receipt",
                recipient=f"antrag-{n}@verein.example",
                subject=f"Eingangsbestätigung {n}",
                body_text=f"Nachricht {n}\n",
                now=now,
            )

    async def drained() -> bool:
        async with factory() as session:
            count = await session.scalar(
                sa.select(sa.func.count()).where(outbox_table.c.sent_at.is_(None))
            )
            return count == 0

    peer = SmtpPeer().start()
    try:
        overrides = Overrides(mailer_factory=lambda: SmtpMailer(peer.url()))
        async with (
            running_worker(committed_database_url, overrides=overrides, name="a") as first,
            running_worker(committed_database_url, overrides=overrides, name="b") as second,
        ):
            await eventually(drained, within=120)
    finally:
        peer.stop()

    tallies = (first, second)
    assert sum(t.succeeded[DELIVER_TASK] for t in tallies) == MESSAGES
    assert all(t.succeeded[DELIVER_TASK] > 0 for t in tallies), tallies  # both really worked
    assert all(not t.failed for t in tallies)
    received = Counter(peer.recorder.message_ids())
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}  # no message twice
    assert sorted(r[0] for r in peer.recorder.recipients) == sorted(
        f"antrag-{n}@verein.example" for n in range(MESSAGES)
    )
    # One job per message, each run once.
    deliveries = await jobs(committed_database_url, DELIVER_TASK)
    assert len(deliveries) == MESSAGES
    assert {(j["status"], j["attempts"]) for j in deliveries} == {("succeeded", 1)}
