"""`grants worker` as a separate process against a committed database, mail into a folder;
`grants worker --check` as a health check of the workers."""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.notifications.service import enqueue_message
from grants.notifications.tables import outbox_table
from grants.settings import as_asyncpg_url

GRANTS = Path(sys.executable).with_name("grants")


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


async def _enqueue(engine: AsyncEngine, key: str) -> None:
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


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env.update(
        GRANTS_DATABASE_URL=database_url,
        GRANTS_DATA_DIR=str(data_dir),
        GRANTS_LOG_LEVEL="WARNING",
        GRANTS_LOG_FORMAT="console",
    )
    return env


async def _unsent(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            sa.select(sa.func.count()).where(outbox_table.c.sent_at.is_(None))
        )
        return int(count or 0)


async def test_worker_once_delivers_into_the_mail_folder(
    committed_database_url: str, committed_engine: AsyncEngine, tmp_path: Path
) -> None:
    for n in range(3):
        await _enqueue(committed_engine, f"receipt:cli-{n}")
    process = await asyncio.create_subprocess_exec(
        str(GRANTS),
        "worker",
        "--once",
        env=_env(committed_database_url, tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    assert "mail: 3 gesendet (sent), 0 fehlgeschlagen" in stdout.decode()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    assert all(b"Subject: =?utf-8?q?Eingangsbest" in f.read_bytes() for f in files)
    assert await _unsent(committed_engine) == 0


async def test_worker_polls_until_sigterm_then_stops_cleanly(
    committed_database_url: str, committed_engine: AsyncEngine, tmp_path: Path
) -> None:
    await _enqueue(committed_engine, "receipt:poll-1")
    process = await asyncio.create_subprocess_exec(
        str(GRANTS),
        "worker",
        "--poll-seconds",
        "0.2",
        env=_env(committed_database_url, tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_for_files(tmp_path / "mail", 1)
        await _enqueue(committed_engine, "receipt:poll-2")  # queued while the worker runs
        await _wait_for_files(tmp_path / "mail", 2)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert "worker stopped: 2 E-Mails gesendet (mails sent), 0 Jobs" in stdout.decode()
    assert await _unsent(committed_engine) == 0


async def _grants(database_url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(GRANTS),
        *args,
        env=_env(database_url, data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_worker_check_says_whether_a_worker_is_alive(
    committed_database_url: str, tmp_path: Path
) -> None:
    status, output = await _grants(committed_database_url, tmp_path, "worker", "--check")
    assert status == 1, output
    assert "0 Worker aktiv (workers alive)" in output

    process = await asyncio.create_subprocess_exec(
        str(GRANTS),
        "worker",
        env=_env(committed_database_url, tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            while True:  # the worker registers its heartbeat shortly after it starts
                status, output = await _grants(
                    committed_database_url, tmp_path, "worker", "--check"
                )
                if status == 0:
                    break
                await asyncio.sleep(0.2)
        assert "1 Worker aktiv (workers alive)" in output
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)
    # A clean stop unregisters the worker at once: no heartbeat left to trust.
    status, output = await _grants(committed_database_url, tmp_path, "worker", "--check")
    assert status == 1, output


def _eml_count(folder: Path) -> int:
    return len(list(folder.glob("*.eml"))) if folder.is_dir() else 0


async def _wait_for_files(folder: Path, count: int) -> None:
    async with asyncio.timeout(60):
        # Another process writes the files: there is no event to wait for, only the folder.
        while _eml_count(folder) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
