"""The queue itself: jobs deferred in the caller's transaction (rolled back: never run;
committed: run once), the defer helper's rules, the retry strategy, and the schema this
revision froze."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import procrastinate
import pytest
import pytest_asyncio
import sqlalchemy as sa
from procrastinate.jobs import Job
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.applications.attachments.jobs import RESCAN_TASK, SCAN_QUEUE
from grants.db.migrate import MIGRATIONS_DIR
from grants.jobs.app import build_app
from grants.jobs.defer import defer_job, defer_unless_queued
from grants.jobs.periodic import RETRY_STALLED_CRON, RETRY_STALLED_TASK
from grants.jobs.registry import Overrides
from grants.jobs.retry import Backoff, RetryAt
from grants.notifications.mailers import FolderMailer
from grants.notifications.service import enqueue_message
from grants.notifications.worker import DELIVER_TASK, MAIL_QUEUE
from grants.settings import as_asyncpg_url
from tests.integration.jobs.queue import jobs, run_once, worker_settings


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


async def _queue_mail(session: AsyncSession, key: str) -> None:
    await enqueue_message(
        session,
        dedupe_key=key,
        kind="receipt",
        recipient="antrag@verein.example",
        subject=f"Eingangsbestätigung {key}",
        body_text="…",
        now=datetime.now(UTC),
    )


async def test_a_job_deferred_in_a_rolled_back_transaction_never_runs(
    committed_database_url: str, committed_engine: AsyncEngine, tmp_path: Path
) -> None:
    inside: list[int] = []

    async def change_that_fails() -> None:
        async with AsyncSession(committed_engine) as session, session.begin():
            await _queue_mail(session, "receipt:never")  # the outbox trigger defers its job
            await defer_job(session, task=RESCAN_TASK, queue=SCAN_QUEUE)  # and the helper
            count = await session.scalar(
                sa.text("SELECT count(*) FROM procrastinate.procrastinate_jobs")
            )
            inside.append(int(count or 0))
            raise LookupError  # the change fails: everything it wrote goes

    with pytest.raises(LookupError):
        await change_that_fails()
    assert inside == [2]
    overrides = Overrides(mailer_factory=lambda: FolderMailer(tmp_path / "mail"))
    tally = await run_once(committed_database_url, overrides=overrides)
    # The worker ran only the periodic housekeeping it defers itself on start.
    assert (tally.succeeded[DELIVER_TASK], tally.succeeded[RESCAN_TASK]) == (0, 0)
    assert not tally.failed
    assert await jobs(committed_database_url, DELIVER_TASK) == []
    assert await jobs(committed_database_url, RESCAN_TASK) == []
    assert not (tmp_path / "mail").exists()


async def test_a_committed_job_runs_once(
    committed_database_url: str, committed_engine: AsyncEngine, tmp_path: Path
) -> None:
    async with AsyncSession(committed_engine) as session, session.begin():
        await _queue_mail(session, "receipt:once")
    overrides = Overrides(mailer_factory=lambda: FolderMailer(tmp_path / "mail"))
    first = await run_once(committed_database_url, overrides=overrides)
    second = await run_once(committed_database_url, overrides=overrides)
    assert first.succeeded[DELIVER_TASK] == 1
    assert second.succeeded[DELIVER_TASK] == 0
    assert not first.failed and not second.failed
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    [job] = await jobs(committed_database_url, DELIVER_TASK)
    assert (job["queue_name"], job["status"], job["attempts"]) == (MAIL_QUEUE, "succeeded", 1)


async def test_jobs_are_deferred_only_inside_a_transaction(db_session: AsyncSession) -> None:
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        await defer_job(db_session, task=RESCAN_TASK, queue=SCAN_QUEUE)
    async with db_session.begin():
        with pytest.raises(ValueError, match="timezone-aware"):
            await defer_job(
                db_session,
                task=RESCAN_TASK,
                queue=SCAN_QUEUE,
                scheduled_at=datetime(2027, 1, 1),  # noqa: DTZ001 (naive on purpose)
            )


async def test_defer_unless_queued_keeps_one_waiting_job(db_session: AsyncSession) -> None:
    async with db_session.begin():
        first = await defer_unless_queued(
            db_session, task=RESCAN_TASK, queue=SCAN_QUEUE, queueing_lock="sweep"
        )
        second = await defer_unless_queued(
            db_session, task=RESCAN_TASK, queue=SCAN_QUEUE, queueing_lock="sweep"
        )
        assert first is not None
        assert second is None
        # A plain defer with the same queueing lock meets procrastinate's unique index.
        with pytest.raises(sa.exc.IntegrityError):
            async with db_session.begin_nested():
                await defer_job(
                    db_session, task=RESCAN_TASK, queue=SCAN_QUEUE, queueing_lock="sweep"
                )
        count = await db_session.scalar(
            sa.text("SELECT count(*) FROM procrastinate.procrastinate_jobs")
        )
        assert count == 1


def test_every_task_the_database_defers_is_registered(committed_database_url: str) -> None:
    app = build_app(worker_settings(committed_database_url))
    # The outbox trigger (migration 0016) names the delivery task by its string.
    assert {DELIVER_TASK, RESCAN_TASK, RETRY_STALLED_TASK} <= set(app.tasks)
    assert app.tasks[DELIVER_TASK].queue == MAIL_QUEUE
    periodic = {name: task.cron for (name, _), task in app.periodic_registry.periodic_tasks.items()}
    # procrastinate retries no stalled job by itself: the recipe's periodic task does.
    assert periodic[RETRY_STALLED_TASK] == RETRY_STALLED_CRON == "* * * * *"


def _job(attempts: int) -> Job:
    return Job(id=1, queue="q", lock=None, queueing_lock=None, task_name="t", attempts=attempts)


def test_backoff_doubles_up_to_an_hour_and_honours_a_chosen_time() -> None:
    strategy = Backoff()
    waits = []
    for attempts in (0, 1, 2, 10):
        before = datetime.now(UTC)
        decision = strategy.get_retry_decision(exception=RuntimeError(), job=_job(attempts))
        assert decision is not None and decision.retry_at is not None
        waits.append(round((decision.retry_at - before).total_seconds()))
    assert waits == [30, 60, 120, 3600]
    at = datetime(2027, 1, 1, tzinfo=UTC)
    chosen = strategy.get_retry_decision(exception=RetryAt(at, "later"), job=_job(3))
    assert chosen is not None and chosen.retry_at == at
    # Cut off by a shutdown: not a failure, runs again at once.
    aborted = strategy.get_retry_decision(
        exception=procrastinate.exceptions.JobAborted(), job=_job(0)
    )
    assert aborted is not None and aborted.retry_at is not None
    assert aborted.retry_at - datetime.now(UTC) < timedelta(seconds=1)


def test_the_frozen_schema_is_the_pinned_release() -> None:
    """A procrastinate upgrade must come with a migration: this fails until then."""
    assert version("procrastinate") == "3.10.0"
    installed = Path(procrastinate.__file__).with_name("sql") / "schema.sql"
    frozen = MIGRATIONS_DIR / "versions" / "20261202_0016_procrastinate-3.10.0-schema.sql"
    assert frozen.read_text(encoding="utf-8").endswith(installed.read_text(encoding="utf-8"))
