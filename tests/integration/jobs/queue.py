"""Real procrastinate workers for the tests: in the test's event loop, on a committed
database, with the resources a test chooses (a test SMTP server, a folder, a scanner)."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from grants.jobs.registry import Overrides
from grants.jobs.worker import Tally, serve_jobs
from grants.settings import Settings
from tests.conftest import make_settings
from tests.databases import asyncpg_dsn

# Fast enough for tests: a poll every 0.1 s, a heartbeat every 0.5 s, dead after 2 s.
FAST = {
    "worker_poll_seconds": 0.1,
    "worker_heartbeat_seconds": 0.5,
    "worker_stalled_seconds": 2.0,
}


def worker_settings(database_url: str, **overrides: Any) -> Settings:
    return make_settings(database_url, **(FAST | overrides))


@asynccontextmanager
async def running_worker(
    database_url: str,
    *,
    overrides: Overrides | None = None,
    name: str = "test",
    **settings: Any,
) -> AsyncIterator[Tally]:
    """A worker running in the background of the test until the block ends."""
    stop, tally = asyncio.Event(), Tally()
    task = asyncio.create_task(
        serve_jobs(
            worker_settings(database_url, **settings),
            stop=stop,
            overrides=overrides,
            tally=tally,
            name=name,
        )
    )
    try:
        yield tally
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=90)


async def run_once(database_url: str, *, overrides: Overrides | None = None) -> Tally:
    tally = Tally()
    await serve_jobs(
        worker_settings(database_url),
        stop=asyncio.Event(),
        once=True,
        overrides=overrides,
        tally=tally,
    )
    return tally


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 30) -> None:
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 (another process or task does the work)
            await asyncio.sleep(0.05)


async def jobs(database_url: str, task: str | None = None) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return list(
            await connection.fetch(
                "SELECT id, queue_name, task_name, lock, queueing_lock, args, status::text, "
                "attempts, scheduled_at, worker_id FROM procrastinate.procrastinate_jobs "
                "WHERE $1::text IS NULL OR task_name = $1 ORDER BY id",
                task,
            )
        )
    finally:
        await connection.close()


async def events(database_url: str, job_id: int) -> list[str]:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await connection.fetch(
            "SELECT type::text FROM procrastinate.procrastinate_events WHERE job_id = $1 "
            "ORDER BY id",
            job_id,
        )
        return [r[0] for r in rows]
    finally:
        await connection.close()


async def queue_sql(database_url: str, statement: str, *args: Any) -> Any:
    """SQL with procrastinate's search path (its triggers name their tables unqualified)."""
    connection = await asyncpg.connect(
        asyncpg_dsn(database_url), server_settings={"search_path": "procrastinate"}
    )
    try:
        return await connection.fetch(statement, *args)
    finally:
        await connection.close()
