"""Migrations run under an advisory lock, so replicas that start at once do not race over the
same DDL: one migrates, the others wait and then find nothing left to do."""

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import asyncpg
import pytest

from grants.db import migrate
from tests import databases


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    url = databases.create_database(server_url, migrated=False)
    yield url
    databases.drop_database(url)


async def _has_version_table(url: str) -> bool:
    connection = await asyncpg.connect(databases.asyncpg_dsn(url))
    try:
        found: bool = await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
        return found
    finally:
        await connection.close()


def test_a_migration_waits_for_the_lock_holder(empty_database_url: str) -> None:
    async def hold_lock_then_release(started: threading.Event, release: threading.Event) -> None:
        connection = await asyncpg.connect(databases.asyncpg_dsn(empty_database_url))
        try:
            await connection.execute(f"SELECT pg_advisory_lock({migrate.MIGRATION_LOCK_KEY})")
            started.set()
            await asyncio.to_thread(release.wait, 60)
            await connection.execute(f"SELECT pg_advisory_unlock({migrate.MIGRATION_LOCK_KEY})")
        finally:
            await connection.close()

    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=asyncio.run, args=(hold_lock_then_release(started, release),))
    holder.start()
    assert started.wait(10)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate.upgrade(empty_database_url)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    migration = threading.Thread(target=run)
    migration.start()
    try:
        time.sleep(1.5)
        assert migration.is_alive(), "the migration did not wait for the lock"
        assert not asyncio.run(_has_version_table(empty_database_url))
    finally:
        release.set()
        holder.join(10)
    migration.join(120)
    assert not migration.is_alive() and errors == []
    assert asyncio.run(_has_version_table(empty_database_url))


def test_replicas_starting_at_once_all_succeed(empty_database_url: str) -> None:
    # Separate processes, as replicas are (Alembic's context is per process, not per thread).
    code = "import sys; from grants.db import migrate; migrate.upgrade(sys.argv[1])"
    replicas = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", code, empty_database_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [replica.communicate(timeout=180)[0].decode(errors="replace") for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0], outputs
    assert asyncio.run(_has_version_table(empty_database_url))
