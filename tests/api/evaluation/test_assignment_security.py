"""Every evaluator-facing URL, tried by everyone who must not get through: an evaluator not
assigned, one who declared a conflict, one with a detected conflict whose assignment was
written straight into the table (the block is in the SQL, not in the service's checks),
applicants. All 404 (403 for those without the evaluator role); nothing changes."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.evaluation.tables import assignments_table
from tests.applications_factories import applicant
from tests.evaluation_factories import (
    assign_directly,
    auto_assign,
    evaluator,
    in_review,
    manager,
    my_assignment_id,
)
from tests.fakes import FakeClock

Probe = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[httpx.Response]]


def probes(assignment_id: str, attachment_id: str) -> dict[str, Probe]:
    base = f"/api/my/assignments/{assignment_id}"

    def get(url: str) -> Probe:
        async def call(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
            return await client.get(url, headers=headers)

        return call

    def post(url: str, body: dict[str, Any] | None) -> Probe:
        async def call(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
            return await client.post(url, json=body, headers=headers)

        return call

    return {
        "application": get(f"{base}/application"),
        "attachment": get(f"{base}/application/attachments/{attachment_id}/content"),
        "accept": post(f"{base}/accept", None),
        "decline": post(f"{base}/decline", {"reason": "keine Zeit"}),
        "conflict": post(f"{base}/conflict", {"reason": "befangen"}),
    }


async def _expect(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    assignment_id: str,
    attachment_id: str,
    status: int,
) -> None:
    for name, probe in probes(assignment_id, attachment_id).items():
        response = await probe(client, headers)
        assert response.status_code == status, (name, response.status_code, response.text)


async def _scene(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    application = await in_review(client, db_session, anna["headers"], boss, clock)
    holder = await evaluator(client, db_session, boss)
    await auto_assign(client, boss, per_application=1)
    assignment_id = await my_assignment_id(client, holder["headers"], application["id"])
    assert assignment_id is not None
    view = await client.get(
        f"/api/my/assignments/{assignment_id}/application", headers=holder["headers"]
    )
    assert view.status_code == 200
    return {
        "boss": boss,
        "anna": anna,
        "application": application,
        "holder": holder,
        "assignment_id": assignment_id,
        "attachment_id": view.json()["attachments"][0]["id"],
    }


async def _statuses(db_session: AsyncSession) -> list[str]:
    rows = await db_session.execute(sa.select(assignments_table.c.status))
    return sorted(str(s) for s in rows.scalars().all())


async def test_an_evaluator_not_assigned_gets_404_everywhere(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _scene(client, db_session, clock)
    stranger = await evaluator(client, db_session, scene["boss"], max_assignments=0)
    await _expect(client, stranger["headers"], scene["assignment_id"], scene["attachment_id"], 404)
    assert (await client.get("/api/my/assignments", headers=stranger["headers"])).json() == []
    application_url = f"/api/applications/{scene['application']['id']}"
    assert (await client.get(application_url, headers=stranger["headers"])).status_code == 404
    assert await _statuses(db_session) == ["pending"]


async def test_after_declaring_a_conflict_every_url_is_404(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _scene(client, db_session, clock)
    holder = scene["holder"]
    declared = await client.post(
        f"/api/my/assignments/{scene['assignment_id']}/conflict",
        json={"reason": "Ich berate den Verein."},
        headers=holder["headers"],
    )
    assert declared.status_code == 200, declared.text
    await _expect(client, holder["headers"], scene["assignment_id"], scene["attachment_id"], 404)
    # Even if the assignment were set back to pending in the table, the declaration blocks.
    async with db_session.begin():
        await db_session.execute(sa.update(assignments_table).values(status="accepted"))
    await _expect(client, holder["headers"], scene["assignment_id"], scene["attachment_id"], 404)
    assert (await client.get("/api/my/assignments", headers=holder["headers"])).json() == []


async def test_a_detected_conflict_blocks_a_stale_assignment_in_the_sql(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _scene(client, db_session, clock)
    conflicted = await evaluator(client, db_session, scene["boss"], max_assignments=0)
    declared = await client.post(
        f"/api/evaluators/{conflicted['id']}/affiliations",
        json={"kind": "employer", "name": "KulturWerk Schneeberg e.V."},
        headers=conflicted["headers"],
    )
    assert declared.status_code == 201
    stale = await assign_directly(
        db_session, scene["application"]["id"], conflicted["id"], status="accepted"
    )
    await _expect(client, conflicted["headers"], stale, scene["attachment_id"], 404)
    assert (await client.get("/api/my/assignments", headers=conflicted["headers"])).json() == []
    assert await _statuses(db_session) == ["accepted", "pending"]
    # The next automatic run takes the stale pair off the board.
    result = await auto_assign(client, scene["boss"], per_application=1)
    assert [r["reason"] for r in result["removed"]] == ["conflict_of_interest"]
    assert await _statuses(db_session) == ["pending", "removed"]


async def test_applicants_and_managers_do_not_pass_the_evaluator_urls(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _scene(client, db_session, clock)
    other = await applicant(client, organisation={"legal_name": "Andere Organisation e.V."})
    for headers in (scene["anna"]["headers"], other["headers"], scene["boss"]):
        await _expect(client, headers, scene["assignment_id"], scene["attachment_id"], 403)
        assert (await client.get("/api/my/assignments", headers=headers)).status_code == 403
    for headers in (scene["anna"]["headers"], other["headers"]):
        board = await client.get(
            "/api/evaluation/assignments",
            params={"call": "demo", "funding_line": "stationary"},
            headers=headers,
        )
        assert board.status_code == 403
        pool = await client.get("/api/evaluators", headers=headers)
        assert pool.status_code == 403
    anonymous = await client.get(f"/api/my/assignments/{scene['assignment_id']}/application")
    assert anonymous.status_code == 401
    assert await _statuses(db_session) == ["pending"]
