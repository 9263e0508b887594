"""Two workers with their own connections drain one outbox: every message exactly once."""

import asyncio
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

from grants.notifications.mailers import SmtpMailer
from grants.notifications.service import enqueue_message
from grants.notifications.tables import outbox_table
from grants.notifications.worker import deliver_all_due
from grants.settings import Settings, as_asyncpg_url
from tests.integration.notifications.smtp_peer import SmtpPeer

MESSAGES = 200


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=4)
    yield engine
    await engine.dispose()


async def test_two_workers_deliver_each_message_exactly_once(
    committed_engine: AsyncEngine,
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

    peer = SmtpPeer().start()
    try:
        mail_from = Settings().mail_from
        # Each worker: its own mailer (SMTP connection) and its own database sessions, small
        # batches so that they meet often.
        reports = await asyncio.gather(
            *(
                deliver_all_due(
                    factory, SmtpMailer(peer.url()), now=now, mail_from=mail_from, batch=10
                )
                for _ in range(2)
            )
        )
    finally:
        peer.stop()

    assert sum(r.sent for r in reports) == MESSAGES
    assert all(r.sent > 0 for r in reports), reports  # both really worked
    assert all(r.failed == 0 for r in reports)
    received = Counter(peer.recorder.message_ids())
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}  # no message twice
    assert sorted(r[0] for r in peer.recorder.recipients) == sorted(
        f"antrag-{n}@verein.example" for n in range(MESSAGES)
    )
    async with factory() as session:
        unsent = await session.scalar(
            sa.select(sa.func.count()).where(outbox_table.c.sent_at.is_(None))
        )
    assert unsent == 0
