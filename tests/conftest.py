"""Test tiers share one migrated database per run; each test runs inside a transaction that is
rolled back at the end (services' own ``session.begin()`` become SAVEPOINTs), so tests see
real constraints, triggers and locks, and leave nothing behind. Tests that need real commits
from several connections take a database of their own (``committed_database_url``)."""

import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from grants.app import create_app
from grants.settings import Settings, as_asyncpg_url, load_settings
from tests import databases
from tests.fakes import FakeClock

TEST_SECRET = "test-secret-" + secrets.token_hex(16)


@pytest.fixture(scope="session")
def server_url() -> str:
    return databases.server_url()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    url = databases.create_database(server_url)
    databases.load_municipality_register(url)  # once per run, as on a server's first start
    yield url
    databases.drop_database(url)


@pytest.fixture
def committed_database_url(server_url: str) -> Iterator[str]:
    """A fresh migrated database whose commits are real; dropped after the test."""
    url = databases.create_database(server_url)
    yield url
    databases.drop_database(url)


@pytest.fixture
def committed_register(committed_database_url: str) -> str:
    """The committed database as after a server's first start: with the shipped municipality
    register, which drafts and pre-checks need (they refuse keys of Saxony it lacks)."""
    databases.load_municipality_register(committed_database_url)
    return committed_database_url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "log_level": "WARNING",
        # Factories write roles and sessions in SQL, which is "elsewhere" to the principal
        # cache (counted within its bound, not at once); its own tests turn it on.
        "principal_cache_seconds": 0,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest_asyncio.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(database_url), poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        class_=AsyncSession,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )


@pytest_asyncio.fixture
async def db_session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return create_app(settings, session_factory=session_factory, clock=clock, configure_logs=False)


def client_for(app: Litestar, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """An HTTP client that runs the whole ASGI app in the test's own event loop.

    Litestar's ``AsyncTestClient`` runs the app on a second event loop in a portal thread;
    our per-test connection (and its rolled-back transaction) belongs to the test's loop, so
    the tests drive the app through httpx's ASGI transport instead: same requests, same app.
    """
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest_asyncio.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
