"""The workers' health signal in /health/ready, and `grants serve` on the embedded database
delivering mail with no separate worker."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from grants.app import create_app
from grants.db.embedded import start_embedded_postgres, stop_embedded_postgres
from grants.notifications.service import enqueue_message
from grants.settings import as_asyncpg_url
from tests.conftest import client_for
from tests.integration.jobs.queue import eventually, running_worker, worker_settings
from tests.integration.test_serve import _free_port


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


async def _queue_mail(engine: AsyncEngine, key: str) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await enqueue_message(
            session,
            dedupe_key=key,
            kind="receipt",
            recipient="antrag@verein.example",
            subject=f"Eingangsbestätigung {key}",
            body_text="…",
            now=datetime.now(UTC),
        )


async def test_ready_reports_the_workers_without_depending_on_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200  # no worker runs: the API is ready all the same
    workers = response.json()["workers"]
    assert (workers["status"], workers["alive"], workers["last_heartbeat_seconds"]) == (
        "no_worker",
        0,
        None,
    )
    assert (workers["failed"], workers["stalled"]) == (0, 0)


async def test_ready_sees_a_running_worker_and_the_jobs_it_has_not_taken_yet(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    app = create_app(worker_settings(committed_database_url), configure_logs=False)
    await _queue_mail(committed_engine, "receipt:health")
    async with client_for(app) as client:
        waiting = (await client.get("/health/ready")).json()["workers"]
        assert (waiting["status"], waiting["due"]) == ("no_worker", 1)
        assert waiting["oldest_due_seconds"] >= 0
        async with running_worker(committed_database_url, worker_concurrency=1):

            async def alive_and_done() -> bool:
                workers = (await client.get("/health/ready")).json()["workers"]
                return workers["alive"] == 1 and workers["due"] == 0

            await eventually(alive_and_done)
            workers = (await client.get("/health/ready")).json()["workers"]
            assert workers["status"] == "ok"
            assert workers["last_heartbeat_seconds"] < 2
        stopped = (await client.get("/health/ready")).json()["workers"]
        assert stopped["alive"] == 0  # a clean stop unregisters at once


def test_serve_on_the_embedded_database_delivers_mail_by_itself(tmp_path: Path) -> None:
    port = _free_port()
    grants = Path(sys.executable).with_name("grants")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env |= {"GRANTS_DATA_DIR": str(tmp_path), "GRANTS_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [str(grants), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, "serve exited early"
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        # The same embedded server, reached from here: a change queues a mail.
        url = start_embedded_postgres(tmp_path)
        try:

            async def queue() -> None:
                engine = create_async_engine(as_asyncpg_url(url), poolclass=NullPool)
                try:
                    await _queue_mail(engine, "receipt:embedded")
                finally:
                    await engine.dispose()

            asyncio.run(queue())
            deadline = time.monotonic() + 60
            while not list((tmp_path / "mail").glob("*.eml")) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop_embedded_postgres(tmp_path)
        [mail] = list((tmp_path / "mail").glob("*.eml"))
        assert b"Eingangsbest" in mail.read_bytes()
        workers = httpx.get(f"{base}/health/ready", timeout=5).json()["workers"]
        assert (workers["status"], workers["alive"]) == ("ok", 1)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output.decode(errors="replace")
    assert b"job worker running in this process" in output
