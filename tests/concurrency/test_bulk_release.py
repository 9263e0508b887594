"""Bulk release on the job queue, with real workers on a committed database.

- A batch is accepted whole or not at all; its items are released by the workers in the name
  of the manager who ordered it, each in its own transaction with its item's outcome: those
  the budget holds are released, the rest fail with the API's problem, and a job run again
  does nothing twice.
- **A worker killed (SIGKILL) in the middle of 100 releases**: a real ``grants worker``
  process. Whatever it had done when it died, every decision is either fully there (the
  decision, its ledger row, the application's state, the audit entry, the outbox e-mail,
  the item) or not at all; another worker then finishes the rest, and in the end each of the
  100 is released exactly once.
"""

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.app import create_app
from grants.audit.verify import verify_audit_log
from grants.awards.releases.jobs import RESOURCES, release_item
from grants.awards.releases.service import RELEASE_TASK
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.guidelines.registry import GuidelineRegistry
from grants.jobs.defer import defer_job
from grants.jobs.periodic import JOBS_QUEUE, RETRY_STALLED_TASK
from grants.jobs.registry import Overrides, build_resources
from grants.notifications.mailers import FolderMailer
from grants.settings import as_asyncpg_url
from tests.awards_clones import Prepared, cloned_drafts
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import DEMO_OPEN_FOR, registry_closing_at
from tests.fakes import FakeClock
from tests.integration.jobs.queue import eventually, jobs, running_worker

pytestmark = pytest.mark.usefixtures("committed_register")

GRANTS = Path(sys.executable).with_name("grants")
YEAR = 2028
AMOUNT = Decimal("600000.00")


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
def registry(clock: FakeClock) -> GuidelineRegistry:
    # The formal check comes after the call's deadline: a demo call closing in seconds.
    return registry_closing_at(clock.current + DEMO_OPEN_FOR)


@pytest_asyncio.fixture
async def committed_client(
    committed_database_url: str,
    committed_engine: AsyncEngine,
    clock: FakeClock,
    registry: GuidelineRegistry,
) -> AsyncIterator[httpx.AsyncClient]:
    app: Litestar = create_app(
        make_settings(committed_database_url),
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
        clock=clock,
        guidelines=registry,
    )
    async with client_for(app) as client:
        yield client


def _batches_url() -> str:
    return "/api/calls/frl-lifd/demo/release-batches"


async def _order(client: httpx.AsyncClient, prepared: Prepared) -> dict[str, Any]:
    ordered = await client.post(
        _batches_url(),
        json={"decision_ids": [str(d) for d in prepared.decision_ids]},
        headers=prepared.manager,
    )
    assert ordered.status_code == 202, ordered.text
    body: dict[str, Any] = ordered.json()
    return body


async def _state(engine: AsyncEngine, prepared: Prepared) -> list[dict[str, Any]]:
    """Per decision of the batch: what of its release is in the database."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT d.id, d.status AS decision, a.status AS application, i.status AS item, "
                "(SELECT count(*) FROM ledger_entries l WHERE l.decision_id = d.id "
                " AND l.kind = 'commitment') AS commitments, "
                "(SELECT count(*) FROM audit_log g WHERE g.object_id = d.id::text "
                " AND g.action = 'decision_released') AS audits, "
                "(SELECT count(*) FROM outbox_messages o WHERE o.application_id = a.id "
                " AND o.dedupe_key LIKE 'status:' || a.id || ':approve:%') AS mails "
                "FROM decisions d JOIN applications a ON a.id = d.application_id "
                "JOIN release_batch_items i ON i.decision_id = d.id "
                "WHERE d.id = ANY(:ids)"
            ),
            {"ids": prepared.decision_ids},
        )
        return [dict(r._mapping) for r in rows]


def _torn(state: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decisions released in part: each must be all there or not at all."""
    whole = {
        ("released", "approved", "released", 1, 1, 1),
        ("draft", "application_check", "pending", 0, 0, 0),
    }
    return [
        s
        for s in state
        if (s["decision"], s["application"], s["item"], s["commitments"], s["audits"], s["mails"])
        not in whole
    ]


async def test_a_batch_releases_what_the_budget_holds_and_nothing_twice(
    committed_client: httpx.AsyncClient,
    committed_engine: AsyncEngine,
    committed_database_url: str,
    clock: FakeClock,
    registry: GuidelineRegistry,
    tmp_path: Path,
) -> None:
    prepared = await cloned_drafts(
        committed_client,
        committed_engine,
        clock,
        count=12,
        year=YEAR,
        amount=AMOUNT,
        budget=AMOUNT * 10,
    )
    first = str(prepared.decision_ids[0])
    refused = await committed_client.post(
        _batches_url(),
        json={"decision_ids": [first, first, str(uuid.uuid4())]},
        headers=prepared.manager,
    )
    assert refused.status_code == 422, refused.text
    assert {(e["field"], e["rule"]) for e in refused.json()["errors"]} == {
        ("decision_ids.1", "unique"),
        ("decision_ids.2", "unknown"),
    }
    assert await jobs(committed_database_url, RELEASE_TASK) == []  # nothing queued

    batch = await _order(committed_client, prepared)
    assert (batch["total"], batch["pending"]) == (12, 12)
    assert len(await jobs(committed_database_url, RELEASE_TASK)) == 12
    again = await committed_client.post(
        _batches_url(), json={"decision_ids": [first]}, headers=prepared.manager
    )
    assert again.json()["errors"][0]["rule"] == "already_queued"

    overrides = Overrides(
        mailer_factory=lambda: FolderMailer(tmp_path / "mail"), guidelines=registry
    )
    url = f"/api/release-batches/{batch['id']}"

    async def done() -> bool:
        got = (await committed_client.get(url, headers=prepared.manager)).json()
        return bool(got["pending"] == 0)

    async with running_worker(committed_database_url, overrides=overrides):
        await eventually(done, within=120)
    result = (await committed_client.get(url, headers=prepared.manager)).json()
    assert (result["released"], result["failed"]) == (10, 2)
    failed = [i for i in result["items"] if i["status"] == "failed"]
    assert {i["error_code"] for i in failed} == {"budget-exceeded"}
    assert all(str(YEAR) in i["error"] for i in failed)

    # A job run again (a retry after a crash) finds its item done and does nothing.
    resources = build_resources(
        make_settings(committed_database_url), build_session_factory(committed_engine), overrides
    )[RESOURCES]
    async with committed_engine.connect() as connection:
        item_ids = list(
            (await connection.execute(sa.text("SELECT id FROM release_batch_items"))).scalars()
        )
    before = await _state(committed_engine, prepared)
    for item_id in item_ids:
        assert await release_item(resources, item_id) == "done before"
    assert await _state(committed_engine, prepared) == before
    async with AsyncSession(committed_engine) as session:
        broken = (await verify_audit_log(session)).first_break
    assert broken is None
    # Managers only.
    applicant = (await committed_client.get(url, headers={})).status_code
    assert applicant == 401


async def test_a_worker_killed_mid_batch_leaves_each_release_whole_or_absent(
    committed_client: httpx.AsyncClient,
    committed_engine: AsyncEngine,
    committed_database_url: str,
    clock: FakeClock,
    registry: GuidelineRegistry,
    tmp_path: Path,
) -> None:
    prepared = await cloned_drafts(
        committed_client,
        committed_engine,
        clock,
        count=100,
        year=YEAR,
        amount=AMOUNT,
        budget=AMOUNT * 100,
    )
    await _order(committed_client, prepared)

    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env |= {
        "GRANTS_DATABASE_URL": committed_database_url,
        "GRANTS_DATA_DIR": str(tmp_path / "killed"),
        "GRANTS_WORKER_POLL_SECONDS": "0.1",
        "GRANTS_WORKER_HEARTBEAT_SECONDS": "0.5",
        "GRANTS_WORKER_STALLED_SECONDS": "2",
        "GRANTS_WORKER_CONCURRENCY": "4",
        "GRANTS_LOG_LEVEL": "WARNING",
    }
    doomed = await asyncio.create_subprocess_exec(
        str(GRANTS),
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:

        async def some_released() -> bool:
            state = await _state(committed_engine, prepared)
            return sum(s["item"] == "released" for s in state) >= 15

        await eventually(some_released, within=180)
    finally:
        doomed.send_signal(signal.SIGKILL)  # no shutdown: jobs in hand die with it
        await doomed.wait()

    state = await _state(committed_engine, prepared)
    assert _torn(state) == []
    released_at_kill = sum(s["item"] == "released" for s in state)
    assert 15 <= released_at_kill < 100, released_at_kill

    # Another worker, once the dead one's heartbeat is stale, finishes the rest.
    await asyncio.sleep(2.5)
    overrides = Overrides(
        mailer_factory=lambda: FolderMailer(tmp_path / "mail"), guidelines=registry
    )
    async with running_worker(committed_database_url, overrides=overrides):
        async with AsyncSession(committed_engine) as session, session.begin():
            await defer_job(
                session, task=RETRY_STALLED_TASK, queue=JOBS_QUEUE, args={"timestamp": 0}
            )

        async def all_released() -> bool:
            state = await _state(committed_engine, prepared)
            return all(s["item"] == "released" for s in state)

        await eventually(all_released, within=180)
    final = await _state(committed_engine, prepared)
    assert _torn(final) == [] and len(final) == 100
    async with committed_engine.connect() as connection:
        total = await connection.scalar(
            sa.text(
                "SELECT sum(amount) FROM ledger_entries WHERE kind = 'commitment' "
                "AND decision_id = ANY(:ids)"
            ),
            {"ids": prepared.decision_ids},
        )
    assert total == AMOUNT * 100
    async with AsyncSession(committed_engine) as session:
        broken = (await verify_audit_log(session)).first_break
    assert broken is None
