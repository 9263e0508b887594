"""A worker killed mid-job (SIGKILL) leaves its job running for ever unless someone looks:
the periodic task ``jobs.retry_stalled`` puts it back once the worker's heartbeat is stale,
and another worker finishes it."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.jobs.defer import defer_job
from grants.jobs.periodic import JOBS_QUEUE, RETRY_STALLED_TASK
from grants.jobs.registry import Overrides
from grants.notifications.mailers import FolderMailer
from grants.notifications.service import enqueue_message
from grants.notifications.tables import outbox_table
from grants.notifications.worker import DELIVER_TASK
from grants.settings import as_asyncpg_url
from tests.integration.jobs.queue import events, eventually, jobs, running_worker

GRANTS = Path(sys.executable).with_name("grants")


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


async def _silent_smtp_server() -> asyncio.Server:
    """Accepts connections and never greets: a send hangs until its timeout."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client goes away
        writer.close()

    return await asyncio.start_server(hold, "127.0.0.1", 0)


async def test_a_killed_workers_job_is_retried_by_the_periodic_task(
    committed_database_url: str, committed_engine: AsyncEngine, tmp_path: Path
) -> None:
    async with AsyncSession(committed_engine) as session, session.begin():
        await enqueue_message(
            session,
            dedupe_key="receipt:stalled",
            kind="receipt",
            recipient="antrag@verein.example",
            subject="Eingangsbestätigung",
            body_text="…",
            now=datetime.now(UTC),
        )
    [job] = await jobs(committed_database_url, DELIVER_TASK)

    silent = await _silent_smtp_server()
    port = silent.sockets[0].getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env |= {
        "GRANTS_DATABASE_URL": committed_database_url,
        "GRANTS_DATA_DIR": str(tmp_path / "killed"),
        "GRANTS_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "GRANTS_WORKER_POLL_SECONDS": "0.1",
        "GRANTS_WORKER_HEARTBEAT_SECONDS": "0.5",
        "GRANTS_WORKER_STALLED_SECONDS": "2",
        "GRANTS_LOG_LEVEL": "WARNING",
    }
    doomed = await asyncio.create_subprocess_exec(
        str(GRANTS),
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:

        async def running() -> bool:
            [current] = await jobs(committed_database_url, DELIVER_TASK)
            return current["status"] == "doing"

        await eventually(running, within=60)
    finally:
        doomed.kill()  # SIGKILL: no shutdown, the job stays "doing"
        await doomed.wait()
        silent.close()
    [stuck] = await jobs(committed_database_url, DELIVER_TASK)
    assert stuck["status"] == "doing"
    await asyncio.sleep(2.5)  # the dead worker's heartbeat grows older than 2 s

    folder = tmp_path / "mail"
    overrides = Overrides(mailer_factory=lambda: FolderMailer(folder))
    async with running_worker(committed_database_url, overrides=overrides) as tally:
        # The minute's tick, deferred now rather than waited for.
        async with AsyncSession(committed_engine) as session, session.begin():
            await defer_job(
                session, task=RETRY_STALLED_TASK, queue=JOBS_QUEUE, args={"timestamp": 0}
            )

        async def delivered() -> bool:
            [current] = await jobs(committed_database_url, DELIVER_TASK)
            return current["status"] == "succeeded"

        await eventually(delivered)

    assert tally.succeeded[RETRY_STALLED_TASK] >= 1
    assert tally.succeeded[DELIVER_TASK] == 1
    history = await events(committed_database_url, job["id"])
    assert history.count("started") == 2
    assert "deferred_for_retry" in history  # put back by retry_stalled, not deferred anew
    assert len(list(folder.glob("*.eml"))) == 1
    async with committed_engine.connect() as connection:
        sent_at = await connection.scalar(sa.select(outbox_table.c.sent_at))
    assert sent_at is not None
