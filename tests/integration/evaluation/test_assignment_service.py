"""The conflict service and assignment on real PostgreSQL: conflicts follow the submitted
snapshot and the declarations, scoped refreshes touch only their scope, ``evaluator_may_access``
is the SQL-level block, and two managers auto-assigning at once never double-assign."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.app import create_app
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.evaluation.assignment.conflicts import evaluator_may_access, refresh_conflicts
from grants.evaluation.tables import assignments_table, conflicts_table
from grants.settings import as_asyncpg_url
from tests.applications_factories import applicant
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import (
    DEMO_OPEN_FOR,
    all_in_review,
    assign_directly,
    evaluator,
    in_review,
    manager,
    registry_closing_at,
)
from tests.fakes import FakeClock


async def test_refresh_follows_declarations_and_keeps_its_scope(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    application = await in_review(client, db_session, anna["headers"], boss, clock)
    person = await evaluator(client, db_session, boss)
    other = await evaluator(client, db_session, boss)
    app_id = uuid.UUID(application["id"])
    person_id, other_id = uuid.UUID(person["id"]), uuid.UUID(other["id"])
    for who in (person, other):
        response = await client.post(
            f"/api/evaluators/{who['id']}/affiliations",
            json={"kind": "affiliation", "name": "Gymnasium Schneeberg"},  # the partner
            headers=who["headers"],
        )
        assert response.status_code == 201
    now = datetime.now(UTC)
    async with db_session.begin():
        # Nothing changed: nothing written, nothing removed.
        unchanged = await refresh_conflicts(db_session, now=now)
        assert (unchanged.added, unchanged.removed) == (0, 0)
        assert unchanged.conflicted[app_id] == {person_id, other_id}
        # Drop the rows behind the service's back, then refresh only one evaluator.
        await db_session.execute(sa.delete(conflicts_table))
        scoped = await refresh_conflicts(db_session, evaluator_ids=[person_id], now=now)
        assert (scoped.added, scoped.removed) == (1, 0)
        stored = (await db_session.execute(sa.select(conflicts_table.c.evaluator_id))).scalars()
        assert list(stored) == [person_id]
        # Empty scopes are no-ops.
        assert (await refresh_conflicts(db_session, application_ids=[], now=now)).added == 0
    assignment_id = await assign_directly(db_session, application["id"], other["id"])
    async with db_session.begin():
        # Not yet materialised for ``other``: the stale assignment is visible …
        row = await evaluator_may_access(db_session, other_id, app_id)
        assert row is not None and str(row.id) == assignment_id
        await refresh_conflicts(db_session, application_ids=[app_id], now=now)
        # … until the conflict is recorded; then the SQL itself finds nothing.
        assert await evaluator_may_access(db_session, other_id, app_id) is None
        assert await evaluator_may_access(db_session, person_id, app_id) is None


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=10)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def committed_client(
    committed_database_url: str, committed_engine: AsyncEngine, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    app: Litestar = create_app(
        make_settings(committed_database_url, database_pool_size=10),
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
        clock=clock,
        guidelines=registry_closing_at(clock.current + DEMO_OPEN_FOR),
    )
    async with client_for(app) as client:
        yield client


@pytest.mark.usefixtures("committed_register")  # drafts name a municipality (first start)
async def test_two_managers_auto_assigning_at_once_do_not_double_assign(
    committed_client: httpx.AsyncClient, committed_engine: AsyncEngine, clock: FakeClock
) -> None:
    client = committed_client
    async with AsyncSession(committed_engine, expire_on_commit=False) as session:
        boss = await manager(client, session)
        other_boss = await manager(client, session)
        people = [await applicant(client) for _ in range(3)]
        await all_in_review(
            client, session, boss, clock, *((person["headers"], {}) for person in people)
        )
        for _ in range(4):
            await evaluator(client, session, boss, max_assignments=3)
    body = {"call": "demo", "funding_line": "stationary", "per_application": 3}
    responses = await asyncio.gather(
        *(
            client.post("/api/evaluation/assignments/auto", json=body, headers=headers)
            for headers in (boss, other_boss, boss, other_boss)
        )
    )
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    assert sorted(r.json()["added"] for r in responses) == [0, 0, 0, 9]
    async with AsyncSession(committed_engine) as session:
        rows = (
            await session.execute(
                sa.select(assignments_table.c.evaluator_id, sa.func.count()).group_by(
                    assignments_table.c.evaluator_id
                )
            )
        ).all()
    loads = sorted(count for _, count in rows)
    assert sum(loads) == 9 and max(loads) <= 3 and max(loads) - min(loads) <= 1
