"""First start: an empty register gets the shipped one, once, audited; a register with rows is
left alone. And the lookups that tell an unknown key from a known one."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from grants.core.actors import Actor
from grants.core.areas import AreaCategory
from grants.core.errors import InvalidInput
from grants.municipalities.area_cache import AreaCategoryCache
from grants.municipalities.service import (
    DEMO_FILE,
    ImportSummary,
    RegisterEntry,
    ensure_known_municipality,
    fetch_register_entry,
    import_municipalities,
    load_shipped_register_if_empty,
    register_snapshot,
    shipped_file,
    shipped_rows,
)
from grants.settings import as_asyncpg_url
from tests.databases import asyncpg_dsn
from tests.factories import system_context

ACTOR = Actor.system("cli:first-start")


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), poolclass=NullPool)
    yield engine
    await engine.dispose()


async def _first_start(engine: AsyncEngine) -> ImportSummary | None:
    async with AsyncSession(engine) as session:
        return await load_shipped_register_if_empty(system_context(session, actor=ACTOR))


async def test_a_fresh_database_gets_the_whole_register_once(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    summary = await _first_start(committed_engine)
    assert summary == ImportSummary(inserted=418, updated=0, unchanged=0)
    counts = await _fetch(
        committed_database_url,
        "SELECT count(*), count(area_category), count(DISTINCT district) FROM municipalities",
    )
    assert tuple(counts[0]) == (418, 418, 13)  # every row has its area category
    audit = await _fetch(
        committed_database_url,
        "SELECT actor_label, after FROM audit_log WHERE action = 'municipalities_imported'",
    )
    assert len(audit) == 1
    assert audit[0]["actor_label"] == "cli:first-start"
    after = audit[0]["after"]
    assert isinstance(after, str)  # asyncpg returns jsonb as text
    assert json.loads(after) == {
        "file": "sachsen.csv",
        "sha256": shipped_file().sha256,
        "trigger": "first_start",
        "rows": 418,
        "inserted": 418,
        "updated": 0,
        "unchanged": 0,
        "population_dates": ["2023-12-31"],
        "area_category_sources": {"assumed": 418},
    }

    # The second start finds rows and leaves them (and the audit log) alone.
    assert await _first_start(committed_engine) is None
    again = await _fetch(
        committed_database_url,
        "SELECT count(*) FROM audit_log WHERE action = 'municipalities_imported'",
    )
    assert again[0][0] == 1


async def test_two_first_starts_at_once_load_once(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    results = await asyncio.gather(_first_start(committed_engine), _first_start(committed_engine))
    assert sorted(results, key=lambda r: r is not None) == [
        None,
        ImportSummary(inserted=418, updated=0, unchanged=0),
    ]
    audit = await _fetch(
        committed_database_url,
        "SELECT count(*) FROM audit_log WHERE action = 'municipalities_imported'",
    )
    assert audit[0][0] == 1


async def test_a_register_with_rows_is_the_operators_and_stays(
    committed_database_url: str, committed_engine: AsyncEngine
) -> None:
    demo, rows = shipped_rows(DEMO_FILE)
    async with AsyncSession(committed_engine) as session:
        await import_municipalities(
            system_context(session, actor=ACTOR),
            rows,
            source_sha256=demo.sha256,
            source_name=demo.name,
        )
    assert await _first_start(committed_engine) is None
    counts = await _fetch(committed_database_url, "SELECT count(*) FROM municipalities")
    assert counts[0][0] == 39


async def test_lookups_tell_unknown_from_known_keys(db_session: AsyncSession) -> None:
    """The session database holds the shipped register (loaded once per test run)."""
    async with db_session.begin():
        known = await fetch_register_entry(db_session, "14612000")
        assert known == RegisterEntry(AreaCategory.VERDICHTUNGSRAUM)
        assert await fetch_register_entry(db_session, "14999999") is None
        assert await ensure_known_municipality(db_session, "14612000") == known
        # A key of another state is for the location rule to judge ("not in Saxony").
        assert await ensure_known_municipality(db_session, "09162000") is None
        with pytest.raises(InvalidInput) as refused:
            await ensure_known_municipality(db_session, "14999999", field="draft.key")
    [problem] = refused.value.problems
    assert (problem.field, problem.rule) == ("draft.key", "unknown_municipality")
    assert problem.message == (
        "Gemeindeschlüssel 14999999 ist im Gemeindeverzeichnis Sachsen nicht enthalten "
        "(unknown municipality key)"
    )
    snapshot = await register_snapshot(db_session)
    assert len(snapshot) >= 418
    assert snapshot["14713000"].area_category is AreaCategory.VERDICHTUNGSRAUM
    # The shipped categories are derived, not checked in LEP 2013: flagged as assumptions.
    assert all(entry.area_category_assumed for entry in snapshot.values())


async def test_the_cache_holds_the_register_and_reloads_after_its_time(
    db_session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    seconds = 0.0
    cache = AreaCategoryCache(session_factory, ttl_seconds=60, clock=lambda: seconds)
    assert await cache.entry("14999999") is None
    assert await cache.get("14612000") is AreaCategory.VERDICHTUNGSRAUM
    with pytest.raises(InvalidInput):
        await cache.checked("14999999")
    assert await cache.checked("09162000") is None

    # A key imported meanwhile is seen only once the snapshot has expired.
    parsed_row = shipped_rows()[1][0]
    await import_municipalities(
        system_context(db_session),
        [replace(parsed_row, key="14999999", name="Neugemeinde")],
        source_sha256="0" * 64,
        source_name="t.csv",
    )
    assert await cache.entry("14999999") is None
    seconds = 61.0  # the clock the closure reads
    assert await cache.entry("14999999") == RegisterEntry(parsed_row.area_category)
