"""Letters issued by real workers on a committed database, and a worker killed (SIGKILL) in
the middle of a batch: a real ``grants worker`` process, killed while it renders. Whatever it
had done, each decision has its letter whole (the letter, its request marked issued, its
portal dispatch, its e-mail, its audit entry) or nothing of it; another worker then finishes
the rest, and in the end each decision has exactly one letter."""

import asyncio
import os
import signal
import sys
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
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.guidelines.registry import GuidelineRegistry
from grants.jobs.defer import defer_job
from grants.jobs.periodic import JOBS_QUEUE, RETRY_STALLED_TASK
from grants.jobs.registry import Overrides
from grants.letters.service import ISSUE_TASK
from grants.notifications.mailers import FolderMailer
from grants.settings import as_asyncpg_url
from tests.awards_clones import cloned_drafts
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import DEMO_OPEN_FOR, registry_closing_at
from tests.fakes import FakeClock
from tests.integration.jobs.queue import eventually, jobs, running_worker

pytestmark = pytest.mark.usefixtures("committed_register")

GRANTS = Path(sys.executable).with_name("grants")
YEAR = 2028
AMOUNT = Decimal("600000.00")
COUNT = 8
LETTERHEAD = {
    "name": "Sächsische Aufbaubank – Förderbank –",
    "street": "Pirnaische Straße 9",
    "postal_code": "01069",
    "city": "Dresden",
    "seat": "Dresden",
    "privacy_url": "https://www.sab.sachsen.de/datenschutz",
    "reason": "Angaben der Bewilligungsstelle",
}


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
def registry(clock: FakeClock) -> GuidelineRegistry:
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


async def _state(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Per letter request: its status and what of its letter is in the database."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT q.decision_id, q.status, "
                "(SELECT count(*) FROM issued_letters l WHERE l.decision_id = q.decision_id) "
                "  AS letters, "
                "(SELECT count(*) FROM issued_letters l WHERE l.id = q.letter_id) AS linked, "
                "(SELECT count(*) FROM audit_log g JOIN issued_letters l "
                "  ON g.object_id = l.id::text WHERE l.decision_id = q.decision_id "
                "  AND g.action = 'letter_issued') AS audits, "
                "(SELECT count(*) FROM outbox_messages o JOIN issued_letters l "
                "  ON o.dedupe_key = 'letter_ready:' || l.id WHERE l.decision_id = q.decision_id)"
                "  AS mails "
                "FROM letter_requests q"
            )
        )
        return [dict(r._mapping) for r in rows]


def _torn(state: list[dict[str, Any]]) -> list[dict[str, Any]]:
    whole = {("issued", 1, 1, 1, 1), ("pending", 0, 0, 0, 0)}
    return [
        s
        for s in state
        if (s["status"], s["letters"], s["linked"], s["audits"], s["mails"]) not in whole
    ]


async def test_a_worker_killed_mid_render_leaves_each_letter_whole_or_absent(
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
        count=COUNT,
        year=YEAR,
        amount=AMOUNT,
        budget=AMOUNT * COUNT,
    )
    manager = prepared.manager
    for decision_id in prepared.decision_ids:
        released = await committed_client.post(
            f"/api/decisions/{decision_id}/release", headers={**manager, "If-Match": prepared.etag}
        )
        assert released.status_code == 200, released.text
    head = await committed_client.put(
        "/api/programmes/frl-lifd/letterhead", json=LETTERHEAD, headers=manager
    )
    assert head.status_code == 200, head.text
    batch = await committed_client.post("/api/calls/frl-lifd/demo/letter-batches", headers=manager)
    assert batch.status_code == 202, batch.text
    assert batch.json()["total"] == COUNT
    assert len(await jobs(committed_database_url, ISSUE_TASK)) == COUNT

    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env |= {
        "GRANTS_DATABASE_URL": committed_database_url,
        "GRANTS_DATA_DIR": str(tmp_path / "killed"),
        "GRANTS_WORKER_POLL_SECONDS": "0.1",
        "GRANTS_WORKER_HEARTBEAT_SECONDS": "0.5",
        "GRANTS_WORKER_STALLED_SECONDS": "2",
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
        # Kill it between letters' renders and stores: once one is issued, the next one is
        # being rendered (a render takes most of a job's time).
        async def one_issued() -> bool:
            return any(s["status"] == "issued" for s in await _state(committed_engine))

        await eventually(one_issued, within=180)
    finally:
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()

    state = await _state(committed_engine)
    assert _torn(state) == []
    issued_at_kill = sum(s["status"] == "issued" for s in state)
    assert 1 <= issued_at_kill < COUNT, issued_at_kill
    doing = [j for j in await jobs(committed_database_url, ISSUE_TASK) if j["status"] == "doing"]
    assert doing, "the killed worker had a letter in hand"

    await asyncio.sleep(2.5)  # the dead worker's heartbeat grows stale
    overrides = Overrides(
        mailer_factory=lambda: FolderMailer(tmp_path / "mail"), guidelines=registry
    )
    async with running_worker(committed_database_url, overrides=overrides):
        async with AsyncSession(committed_engine) as session, session.begin():
            await defer_job(
                session, task=RETRY_STALLED_TASK, queue=JOBS_QUEUE, args={"timestamp": 0}
            )

        async def all_issued() -> bool:
            return all(s["status"] == "issued" for s in await _state(committed_engine))

        await eventually(all_issued, within=240)
    final = await _state(committed_engine)
    assert _torn(final) == [] and len(final) == COUNT
    assert {s["decision_id"] for s in final} == set(prepared.decision_ids)
    async with AsyncSession(committed_engine) as session:
        broken = (await verify_audit_log(session)).first_break
    assert broken is None
