"""Concurrent submissions with real commits: reference numbers stay gap-free and unique per
call and line, and one Idempotency-Key yields exactly one submission however many requests
race with it."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    create_async_engine,
)

from grants.app import create_app
from grants.applications.tables import submissions_table
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.settings import as_asyncpg_url
from tests.applications_factories import applicant, attach_concept, draft, if_match
from tests.conftest import client_for, make_settings

# Drafts name a municipality: the committed database needs the register (first start).
pytestmark = pytest.mark.usefixtures("committed_register")


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=20)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def committed_client(
    committed_database_url: str, committed_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app: Litestar = create_app(
        make_settings(committed_database_url, database_pool_size=20),
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
    )
    async with client_for(app) as client:
        yield client


async def _ready_drafts(
    client: httpx.AsyncClient, engine: AsyncEngine, count: int
) -> list[tuple[dict[str, str], dict[str, object]]]:
    prepared = []
    for _ in range(count):
        person = await applicant(client)
        application = await draft(client, person["headers"])
        await attach_concept(client, person["headers"], application)
        prepared.append((person["headers"], application))
    return prepared


async def test_concurrent_submissions_get_gap_free_numbers(
    committed_client: httpx.AsyncClient, committed_engine: AsyncEngine
) -> None:
    prepared = await _ready_drafts(committed_client, committed_engine, 16)

    async def submit(headers: dict[str, str], application: dict[str, object]) -> httpx.Response:
        return await committed_client.post(
            f"/api/applications/{application['id']}/submissions", headers=if_match(headers, 1)
        )

    responses = await asyncio.gather(*(submit(h, a) for h, a in prepared))
    assert [r.status_code for r in responses] == [201] * 16, [r.text for r in responses]
    numbers = sorted(int(r.json()["reference_number"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == list(range(1, 17))


async def test_racing_retries_with_one_key_submit_once(
    committed_client: httpx.AsyncClient, committed_engine: AsyncEngine
) -> None:
    [(headers, application)] = await _ready_drafts(committed_client, committed_engine, 1)
    key = f"submit-{uuid.uuid4()}"

    async def submit() -> httpx.Response:
        return await committed_client.post(
            f"/api/applications/{application['id']}/submissions",
            headers={**if_match(headers, 1), "Idempotency-Key": key},
        )

    responses = await asyncio.gather(*(submit() for _ in range(8)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["snapshot_sha256"] for r in responses}) == 1
    async with committed_engine.connect() as connection:
        count = await connection.scalar(
            sa.select(sa.func.count())
            .select_from(submissions_table)
            .where(submissions_table.c.application_id == uuid.UUID(str(application["id"])))
        )
    assert count == 1


async def test_two_tabs_saving_the_same_version_one_wins(
    committed_client: httpx.AsyncClient, committed_engine: AsyncEngine
) -> None:
    [(headers, application)] = await _ready_drafts(committed_client, committed_engine, 1)
    url = f"/api/applications/{application['id']}"

    async def save(title: str) -> httpx.Response:
        return await committed_client.patch(
            url, json={"title": title}, headers=if_match(headers, 1)
        )

    responses = await asyncio.gather(*(save(f"Tab {i}") for i in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412, 412, 412, 412, 412]
    winner = next(r for r in responses if r.status_code == 200).json()["draft"]["title"]
    current = (await committed_client.get(url, headers=headers)).json()
    assert current["draft"]["title"] == winner
    assert current["version"] == 2
