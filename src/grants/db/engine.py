"""The one way to build an engine and the one session factory. Called from ``create_app`` and
the CLI, never at import time."""

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from grants.settings import Settings


def build_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.sqlalchemy_url(),
        pool_size=settings.database_pool_size,
        # No overflow: overflow connections are closed on return, and opening a PostgreSQL
        # connection costs milliseconds; under load requests queue for a pooled one instead.
        max_overflow=0,
        pool_timeout=10,
        pool_pre_ping=False,  # asyncpg reports dead connections; pre-ping costs a round trip
        connect_args={"server_settings": {"application_name": "grants", "timezone": "UTC"}},
    )


def build_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the service's transaction ends,
    # so routes can serialise them without another round trip.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def build_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reading only, on the same pool in autocommit mode: no BEGIN and COMMIT
    round trips around each query (two thirds of the round trips of a one-query read).
    Each statement sees the data committed when it starts; nothing may be written."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        class_=AsyncSession,
        expire_on_commit=False,
    )
