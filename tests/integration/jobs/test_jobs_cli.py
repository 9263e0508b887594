"""`grants jobs status|retry|cancel` as an operator runs them, against a committed database."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.jobs.defer import defer_job
from grants.jobs.periodic import JOBS_QUEUE, REMOVE_OLD_TASK
from grants.notifications.service import enqueue_message
from grants.notifications.worker import DELIVER_TASK
from grants.settings import as_asyncpg_url
from tests.integration.jobs.queue import jobs, queue_sql

GRANTS = Path(sys.executable).with_name("grants")


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


async def _grants(database_url: str, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env |= {"GRANTS_DATABASE_URL": database_url, "GRANTS_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        str(GRANTS),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def _failed_job(database_url: str, engine: AsyncEngine) -> int:
    """A job that ran and failed, as procrastinate records it (a task without retries)."""
    async with AsyncSession(engine) as session, session.begin():
        job_id = await defer_job(
            session, task=REMOVE_OLD_TASK, queue=JOBS_QUEUE, args={"timestamp": 0}
        )
    await queue_sql(database_url, "SELECT procrastinate_fetch_job_v2(ARRAY['jobs'], NULL)")
    await queue_sql(database_url, "SELECT procrastinate_finish_job_v1($1, 'failed', false)", job_id)
    return job_id


async def test_status_shows_workers_counts_and_the_jobs_needing_a_look(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    failed = await _failed_job(committed_database_url, committed_engine)
    async with AsyncSession(committed_engine) as session, session.begin():
        await enqueue_message(
            session,
            dedupe_key="receipt:status",
            kind="receipt",
            recipient="antrag@verein.example",
            subject="Eingangsbestätigung",
            body_text="…",
            now=datetime.now(UTC),
        )
    status, output = await _grants(committed_database_url, "jobs", "status")
    assert status == 0, output
    assert "workers: 0 alive" in output
    assert "jobs: 1 due, 0 waiting for a retry, 1 failed, 0 stalled" in output
    assert "mail/mail.deliver: todo 1" in output
    assert "jobs/jobs.remove_old: failed 1" in output
    assert f"#{failed} jobs.remove_old " in output
    assert "failed (attempts 1)" in output


async def test_retry_puts_failed_waiting_and_cancelled_jobs_back(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    failed = await _failed_job(committed_database_url, committed_engine)
    status, output = await _grants(committed_database_url, "jobs", "retry", str(failed))
    assert status == 0, output
    assert f"#{failed} jobs.remove_old: wieder eingereiht (queued again)" in output
    [again] = await jobs(committed_database_url, REMOVE_OLD_TASK)
    assert (again["id"], again["status"]) == (failed, "todo")

    async with AsyncSession(committed_engine) as session, session.begin():
        await enqueue_message(
            session,
            dedupe_key="receipt:retry",
            kind="receipt",
            recipient="antrag@verein.example",
            subject="Eingangsbestätigung",
            body_text="…",
            now=datetime.now(UTC),
        )
    [mail] = await jobs(committed_database_url, DELIVER_TASK)
    # Waiting for its back-off (an hour): --waiting makes it due now.
    await queue_sql(
        committed_database_url,
        "UPDATE procrastinate_jobs SET scheduled_at = now() + interval '1 hour' WHERE id = $1",
        mail["id"],
    )
    status, output = await _grants(committed_database_url, "jobs", "retry", "--waiting")
    assert status == 0, output
    assert f"#{mail['id']} mail.deliver: jetzt fällig (due now)" in output
    [due] = await jobs(committed_database_url, DELIVER_TASK)
    assert due["scheduled_at"] <= datetime.now(UTC)

    # Cancelled by an operator, then wanted after all: queued again as a new job.
    status, output = await _grants(committed_database_url, "jobs", "cancel", str(mail["id"]))
    assert status == 0, output
    assert f"#{mail['id']}: abgebrochen" in output
    status, output = await _grants(committed_database_url, "jobs", "retry", str(mail["id"]))
    assert status == 0, output
    assert "neu eingereiht als #" in output
    cancelled, queued = await jobs(committed_database_url, DELIVER_TASK)
    assert (cancelled["status"], queued["status"]) == ("cancelled", "todo")
    assert (queued["args"], queued["lock"]) == (cancelled["args"], cancelled["lock"])

    # A job that is due already, or unknown, is not "retried": exit status 1.
    status, output = await _grants(committed_database_url, "jobs", "retry", str(queued["id"]))
    assert status == 1
    assert "ist schon fällig (already due)" in output
    status, output = await _grants(committed_database_url, "jobs", "retry", "999999")
    assert status == 1
    assert "#999999: nicht gefunden (not found)" in output
    status, output = await _grants(committed_database_url, "jobs", "retry")
    assert status == 2  # a usage error: which jobs?
    assert "--failed" in output
