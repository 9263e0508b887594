"""Throwaway PostgreSQL databases for the test run.

The server is ``TEST_DATABASE_URL`` when set, else the embedded one (under ``var/test``).
Tests only ever touch databases they created themselves, named ``grants_test_<random>``; a
URL given by the environment is used solely to connect and CREATE/DROP those.
"""

import asyncio
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from grants.context import Context
from grants.core.actors import Actor
from grants.db import migrate
from grants.guidelines.registry import GuidelineRegistry
from grants.municipalities.service import load_shipped_register_if_empty
from grants.settings import as_asyncpg_url

PREFIX = "grants_test_"
_ROOT = Path(__file__).resolve().parents[1]


def server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    from grants.db.embedded import start_embedded_postgres

    return start_embedded_postgres(_ROOT / "var" / "test", database="postgres")


def asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg wants it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_database(server: str, *, migrated: bool = True) -> str:
    name = PREFIX + uuid.uuid4().hex[:12]
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = with_database(server, name)
    if migrated:
        migrate.upgrade(url)
    return url


def load_municipality_register(url: str) -> None:
    """The shipped register (all of Saxony), committed, as `grants serve` loads it on first
    start: applications and pre-checks refuse keys of Saxony the register lacks."""

    async def load() -> None:
        engine = create_async_engine(as_asyncpg_url(url), poolclass=NullPool)
        try:
            async with AsyncSession(engine) as session:
                ctx = Context(
                    session=session,
                    actor=Actor.system("test:first-start"),
                    now=datetime.now(UTC),
                    guidelines=GuidelineRegistry([]),
                )
                await load_shipped_register_if_empty(ctx)
        finally:
            await engine.dispose()

    asyncio.run(load())


def drop_database(url: str) -> None:
    name = make_url(url).database or ""
    if not name.startswith(PREFIX):  # never drop anything this suite did not create
        raise RuntimeError(f"refusing to drop non-test database {name!r}")
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
