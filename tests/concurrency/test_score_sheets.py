"""Two tabs submitting the same score sheet at once, with real commits: exactly one wins,
the other gets 409 (already submitted, locked) and the sheet is submitted once."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.app import create_app
from grants.core.roles import StaffRole
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.settings import as_asyncpg_url
from tests.api.evaluation.scoring_helpers import assign, evaluator, if_match, in_review, scores
from tests.applications_factories import applicant
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import DEMO_OPEN_FOR, registry_closing_at
from tests.factories import staff_headers
from tests.fakes import FakeClock

# Drafts name a municipality: the committed database needs the register (first start).
pytestmark = pytest.mark.usefixtures("committed_register")


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=20)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def committed_client(
    committed_database_url: str, committed_engine: AsyncEngine, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    # The formal check comes after the call's deadline: a demo call closing in seconds.
    app: Litestar = create_app(
        make_settings(committed_database_url, database_pool_size=20),
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
        clock=clock,
        guidelines=registry_closing_at(clock.current + DEMO_OPEN_FOR),
    )
    async with client_for(app) as client:
        yield client


async def test_two_tabs_submitting_one_sheet_one_wins(
    committed_client: httpx.AsyncClient, committed_engine: AsyncEngine, clock: FakeClock
) -> None:
    client = committed_client
    async with AsyncSession(committed_engine, expire_on_commit=False) as session:
        anna = await applicant(client)
        manager = await staff_headers(client, session, StaffRole.PROGRAMME_MANAGER)
        await session.commit()
        application = await in_review(client, session, anna["headers"], manager, clock)
        headers, evaluator_id = await evaluator(client, session)
        await session.commit()
        assignment = await assign(session, application["id"], evaluator_id)
    url = f"/api/score-sheets/{assignment}"
    saved = await client.put(url, json={"scores": scores(4)}, headers=if_match(headers, 0))
    assert saved.status_code == 200, saved.text

    async def submit() -> httpx.Response:
        return await client.post(f"{url}/submit", headers=if_match(headers, 1))

    responses = await asyncio.gather(*(submit() for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409, 409, 409, 409], [r.text for r in responses]
    locked = next(r for r in responses if r.status_code == 409).json()
    assert locked["sheet_status"] == "submitted" and locked["current_version"] == 2
    async with committed_engine.connect() as connection:
        row = (
            await connection.execute(
                sa.text("SELECT status, version, total FROM score_sheets WHERE assignment_id = :a"),
                {"a": assignment},
            )
        ).one()
        submits = await connection.scalar(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'score_sheet_submitted'")
        )
    assert (row.status, row.version, str(row.total)) == ("submitted", 2, "80.00")
    assert submits == 1
