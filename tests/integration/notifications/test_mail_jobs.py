"""Mail delivery by real procrastinate workers on a committed database: a failed send is
retried after its back-off with the same Message-ID, and the outbox records every try."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.jobs.registry import Overrides
from grants.notifications.mailers import SmtpMailer, message_id_for
from grants.notifications.service import enqueue_message
from grants.notifications.tables import outbox_table
from grants.notifications.worker import DELIVER_TASK
from grants.settings import Settings, as_asyncpg_url
from tests.integration.jobs.queue import events, eventually, jobs, queue_sql, running_worker
from tests.integration.notifications.smtp_peer import SmtpPeer


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


async def _enqueue(engine: AsyncEngine, key: str) -> uuid.UUID:
    async with AsyncSession(engine) as session, session.begin():
        await enqueue_message(
            session,
            dedupe_key=key,
            kind="receipt",
            recipient="antrag@verein.example",
            subject=f"Eingangsbestätigung {key}",
            body_text="Guten Tag,\n\nwir bestätigen den Eingang.\n",
            now=datetime.now(UTC),
        )
        outbox_id = await session.scalar(
            sa.select(outbox_table.c.id).where(outbox_table.c.dedupe_key == key)
        )
    assert outbox_id is not None
    return outbox_id


async def _outbox_row(engine: AsyncEngine, outbox_id: uuid.UUID) -> sa.Row[tuple[object, ...]]:
    async with engine.connect() as connection:
        result = await connection.execute(
            sa.select(outbox_table).where(outbox_table.c.id == outbox_id)
        )
        return result.one()


class _ReplyLostOnce:
    """Hands the message to the server, then loses the reply the first time (a dropped
    link after DATA): the worker cannot know it arrived and must try again."""

    tries = 0

    def __init__(self, url: str) -> None:
        self.inner = SmtpMailer(url)

    async def send(self, message: EmailMessage) -> None:
        await self.inner.send(message)
        type(self).tries += 1
        if type(self).tries == 1:
            raise ConnectionResetError("reply lost after DATA")

    async def close(self) -> None:
        await self.inner.close()


async def test_a_failed_mail_is_retried_after_its_backoff_with_the_same_message_id(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    outbox_id = await _enqueue(committed_engine, "receipt:retried")
    [job] = await jobs(committed_database_url, DELIVER_TASK)
    peer = SmtpPeer().start()
    try:
        overrides = Overrides(mailer_factory=lambda: _ReplyLostOnce(peer.url()))
        async with running_worker(committed_database_url, overrides=overrides) as tally:

            async def waiting_for_retry() -> bool:
                [current] = await jobs(committed_database_url, DELIVER_TASK)
                return current["status"] == "todo" and current["attempts"] == 1

            await eventually(waiting_for_retry)
            row = await _outbox_row(committed_engine, outbox_id)
            [retrying] = await jobs(committed_database_url, DELIVER_TASK)
            # Back-off: the job waits exactly until the next attempt the outbox recorded,
            # 30 s after the failure.
            assert row.attempts == 1
            assert row.last_error == "ConnectionResetError: reply lost after DATA"
            assert retrying["scheduled_at"] == row.next_attempt_at
            assert timedelta(seconds=25) < row.next_attempt_at - datetime.now(UTC)
            assert row.next_attempt_at - datetime.now(UTC) <= timedelta(seconds=30)
            assert row.sent_at is None

            # Time passes (the test does not wait half a minute): the job is due now.
            await queue_sql(
                committed_database_url,
                "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = $1",
                job["id"],
            )

            async def sent() -> bool:
                return (await _outbox_row(committed_engine, outbox_id)).sent_at is not None

            await eventually(sent)
    finally:
        peer.stop()

    assert (tally.failed[DELIVER_TASK], tally.succeeded[DELIVER_TASK]) == (1, 1)
    ids = peer.recorder.message_ids()
    assert ids == [message_id_for(outbox_id, Settings().mail_from)] * 2  # same message twice
    [done] = await jobs(committed_database_url, DELIVER_TASK)
    assert (done["id"], done["status"], done["attempts"]) == (job["id"], "succeeded", 2)
    history = await events(committed_database_url, job["id"])
    assert history.count("started") == 2
    assert "deferred_for_retry" in history
    assert history[-1] == "succeeded"
    row = await _outbox_row(committed_engine, outbox_id)
    assert (row.attempts, row.last_error) == (1, None)
