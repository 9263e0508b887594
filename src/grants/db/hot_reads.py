"""Reads every request pays for (the signed-in principal, ``/api/me``), at the cost of one
round trip on a bare asyncpg pool.

Through an ORM session, one short read costs about 0.6 ms of CPU here — session, transaction,
pool checkout with its reset, statement compilation lookups, result processing — against
about 0.25 ms for the same statement prepared on a bare asyncpg connection (profile in
``bench/README.md``). The queries stay SQLAlchemy Core, written once: they are compiled to
asyncpg's ``$n`` form at first use and then run as prepared statements.

Two implementations of one small interface, chosen when the app is built:

- ``PoolReads`` (the service): its own asyncpg pool, autocommit, no reset round trip when a
  connection goes back (these statements leave no session state behind: no temp tables,
  no ``SET``, no locks, no listeners);
- ``SessionReads`` (tests that hand the app their own session factory): the same compiled
  query through that factory, so a test's uncommitted rows are visible to it.

Besides, the request counters (``bump``): one autocommitted upsert on an UNLOGGED table,
which every process shares. Otherwise only reads go here, and only ones whose rows need no
SQLAlchemy result processing beyond what the pool's codecs do (json and jsonb are decoded;
uuid, timestamptz and arrays come from asyncpg as Python types).
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.db.request_counters import BUMP, SWEEP

Row = Mapping[str, Any]

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] if name in params else self.defaults[name] for name in self.names]


_compiled: dict[int, _Compiled] = {}
SWEEP_EVERY = 1000  # counts per process between two sweeps of stale windows


def _compile(query: sa.ClauseElement) -> _Compiled:
    # Queries are module-level constants, so their id is stable for the process.
    found = _compiled.get(id(query))
    if found is None:
        compiled = query.compile(dialect=_DIALECT)
        found = _Compiled(
            sql=compiled.string,
            names=tuple(getattr(compiled, "positiontup", None) or ()),
            defaults={k: v for k, v in compiled.params.items() if v is not None},
        )
        _compiled[id(query)] = found
    return found


class HotReads(ABC):
    # A base class, not a Protocol: Litestar checks a dependency's value with isinstance.
    @abstractmethod
    async def fetch(self, query: sa.Select[Any], params: Mapping[str, Any]) -> Sequence[Row]: ...

    @abstractmethod
    async def _bump(self, params: Mapping[str, Any]) -> tuple[int, datetime]: ...

    @abstractmethod
    async def _sweep(self, params: Mapping[str, Any]) -> None: ...

    async def bump(self, key: str, window: timedelta, now: datetime) -> tuple[int, datetime]:
        """Count one request on ``key``'s fixed window of ``window`` (shared by every process:
        ``db.request_counters``); returns the count in the window and when it began. The one
        write allowed here: a single autocommitted statement on an UNLOGGED table."""
        self._bumps += 1
        if self._bumps % SWEEP_EVERY == 0:
            # Windows ten times older than this one's length are dead weight.
            await self._sweep({"stale_before": now - window * 10})
        return await self._bump({"key": key, "now": now, "window_start_limit": now - window})

    _bumps = 0

    @abstractmethod
    async def close(self) -> None: ...


async def _init_connection(connection: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _no_reset(_: asyncpg.Connection) -> None:
    """Nothing to reset (see the module's note): saves a round trip per read."""


class PoolReads(HotReads):
    """The service's hot reads: a small asyncpg pool of its own, opened on first use."""

    def __init__(self, dsn: str, *, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._pool: asyncpg.Pool | None = None

    async def _open(self) -> asyncpg.Pool:
        if self._pool is None:
            pool = await asyncpg.create_pool(
                self._dsn,
                min_size=1,
                max_size=self._size,
                init=_init_connection,
                reset=_no_reset,
                server_settings={"application_name": "grants-hot-reads", "timezone": "UTC"},
            )
            if self._pool is None:  # two first requests at once: keep one pool
                self._pool = pool
            else:
                await pool.close()
        return self._pool

    async def fetch(self, query: sa.Select[Any], params: Mapping[str, Any]) -> Sequence[Row]:
        compiled = _compile(query)
        pool = await self._open()
        rows: list[Row] = await pool.fetch(compiled.sql, *compiled.args(params))
        return rows

    async def _bump(self, params: Mapping[str, Any]) -> tuple[int, datetime]:
        compiled = _compile(BUMP)
        # An upsert with RETURNING always returns its row.
        row = await (await self._open()).fetchrow(compiled.sql, *compiled.args(params))
        return int(row["count"]), row["window_started_at"]

    async def _sweep(self, params: Mapping[str, Any]) -> None:
        compiled = _compile(SWEEP)
        await (await self._open()).execute(compiled.sql, *compiled.args(params))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class SessionReads(HotReads):
    """The same reads through a session factory (tests' shared connection)."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def fetch(self, query: sa.Select[Any], params: Mapping[str, Any]) -> Sequence[Row]:
        async with self._factory() as session:
            result = await session.execute(query, dict(params))
            return [row._mapping for row in result]

    async def _bump(self, params: Mapping[str, Any]) -> tuple[int, datetime]:
        async with self._factory() as session, session.begin():
            row = (await session.execute(BUMP, dict(params))).one()
        return int(row[0]), row[1]

    async def _sweep(self, params: Mapping[str, Any]) -> None:
        async with self._factory() as session, session.begin():
            await session.execute(SWEEP, dict(params))

    async def close(self) -> None:
        return None


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """asyncpg's own DSN for the URL the engine uses (``postgresql+asyncpg://`` → plain)."""
    return (
        sa.make_url(sqlalchemy_url)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
