"""Builders for evaluation tests: applications under review, evaluators in the pool, and a
raw SQL assignment (to simulate a stale one that bypassed the services).

The procedure's order holds in the tests too: an application reaches review only through a
formal check recorded *after the call's deadline*. The demo call of the shipped guideline
closes months from now, and the clock cannot simply jump there (sessions and token times are
checked against it), so evaluation tests run the app with the shipped guidelines whose demo
call closes ``DEMO_OPEN_FOR`` after the test's clock starts (``closing_app``, used by the
``app`` fixtures of the evaluation test packages). Submit everything first, then
``close_call`` moves the clock past the deadline and ``to_review`` checks each application.
"""

import copy
import secrets
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.core.roles import StaffRole
from grants.evaluation.tables import assignments_table
from grants.guidelines.loader import LoadedGuideline, content_hash
from grants.guidelines.registry import GuidelineRegistry, load_registry
from grants.settings import Settings
from tests.applications_factories import submitted
from tests.factories import staff_headers
from tests.fakes import FakeClock

DEMO = "demo"
# Short: the clock passes the deadline within the token times' leeway of the real clock.
DEMO_OPEN_FOR = timedelta(seconds=10)
_SHIPPED = load_registry()


def registry_closing_at(deadline: datetime, call: str = DEMO) -> GuidelineRegistry:
    """The shipped guidelines with ``call`` closing at ``deadline``: the document changed as
    a file would be, so the content hash that verdicts and snapshots record is its own."""
    loaded = []
    for item in _SHIPPED.loaded():
        document = copy.deepcopy(dict(item.document))
        for entry in document.get("calls", []):
            if entry["code"] == call:
                entry["deadline_at"] = deadline.isoformat()
        calls = tuple(
            replace(c, deadline_at=deadline) if c.code == call else c for c in item.guideline.calls
        )
        guideline = replace(item.guideline, calls=calls, content_hash=content_hash(document))
        loaded.append(LoadedGuideline(guideline, document))
    return GuidelineRegistry(loaded)


def closing_app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    """The test app whose demo call closes ``DEMO_OPEN_FOR`` after ``clock`` now."""
    return create_app(
        settings,
        session_factory=session_factory,
        clock=clock,
        configure_logs=False,
        guidelines=registry_closing_at(clock.current + DEMO_OPEN_FOR),
    )


async def close_call(client: httpx.AsyncClient, clock: FakeClock, call: str = DEMO) -> None:
    """Move the clock (forward only) to one second after the call's deadline, as published
    by ``GET /api/calls``."""
    calls = (await client.get("/api/calls")).json()
    deadline = datetime.fromisoformat(next(c for c in calls if c["code"] == call)["deadline_at"])
    clock.current = max(clock.current, deadline + timedelta(seconds=1))


async def pass_formal_check(
    client: httpx.AsyncClient, manager_headers: dict[str, str], application_id: str
) -> dict[str, Any]:
    """Record a formal check confirming every item, outcome "to review" (the call must be
    closed); an item the verdict did not pass is confirmed with the reason a person gives
    after looking at it. Returns the application as the manager sees it."""
    url = f"/api/applications/{application_id}"
    check = await client.get(f"{url}/formal-check", headers=manager_headers)
    assert check.status_code == 200, check.text
    items = [
        {"code": item["code"], "confirmed": True}
        if item["proposed"] == "pass"
        else {"code": item["code"], "confirmed": True, "reason": "Geprüft: Unterlagen liegen vor."}
        for item in check.json()["items"]
    ]
    recorded = await client.put(
        f"{url}/formal-check",
        json={"items": items, "outcome": "to_review"},
        headers=manager_headers,
    )
    assert recorded.status_code == 200, recorded.text
    application = await client.get(url, headers=manager_headers)
    assert application.json()["status"] == "in_review", application.text
    body: dict[str, Any] = application.json()
    return body


async def to_review(
    client: httpx.AsyncClient,
    manager_headers: dict[str, str],
    clock: FakeClock,
    *application_ids: str,
) -> list[dict[str, Any]]:
    """Close the call, then take each submitted application through its formal check."""
    await close_call(client, clock)
    return [await pass_formal_check(client, manager_headers, i) for i in application_ids]


async def manager(client: httpx.AsyncClient, db_session: AsyncSession) -> dict[str, str]:
    return await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)


async def user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get("/api/me", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    found = body.get("id") or body.get("user", {}).get("id")
    assert found, body
    return str(found)


async def evaluator(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    manager_headers: dict[str, str],
    *,
    max_assignments: int = 60,
    in_pool: bool = True,
) -> dict[str, Any]:
    """A user with the evaluator role, logged in, and (``in_pool``) with a profile."""
    headers = await staff_headers(
        client,
        db_session,
        StaffRole.EVALUATOR,
        email=f"gutachter.{secrets.token_hex(4)}@sab.example",
    )
    evaluator_id = await user_id(client, headers)
    if in_pool:
        response = await client.put(
            f"/api/evaluators/{evaluator_id}",
            json={"max_assignments": max_assignments},
            headers=manager_headers,
        )
        assert response.status_code == 201, response.text
    return {"id": evaluator_id, "headers": headers}


async def in_review(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    applicant_headers: dict[str, str],
    manager_headers: dict[str, str],
    clock: FakeClock,
    **fields: Any,
) -> dict[str, Any]:
    """A submitted application taken through the formal check into review, after the call
    closed (so: the last application a test submits)."""
    application, _ = await submitted(client, db_session, applicant_headers, **fields)
    [body] = await to_review(client, manager_headers, clock, application["id"])
    return body


async def all_in_review(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    manager_headers: dict[str, str],
    clock: FakeClock,
    *proposals: tuple[dict[str, str], dict[str, Any]],
) -> list[dict[str, Any]]:
    """Several applications (``(applicant headers, draft fields)`` each) submitted while the
    call is open, then all taken into review after it closed."""
    ids = []
    for headers, fields in proposals:
        application, _ = await submitted(client, db_session, headers, **fields)
        ids.append(application["id"])
    return await to_review(client, manager_headers, clock, *ids)


async def auto_assign(
    client: httpx.AsyncClient, manager_headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"call": "demo", "funding_line": "stationary", **fields}
    response = await client.post(
        "/api/evaluation/assignments/auto", json=body, headers=manager_headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def assign_directly(
    db_session: AsyncSession,
    application_id: str,
    evaluator_id: str,
    *,
    status: str = "pending",
) -> str:
    """An assignment written straight into the table, bypassing every service check."""
    assignment_id = uuid.uuid4()
    async with db_session.begin():
        await db_session.execute(
            sa.insert(assignments_table).values(
                id=assignment_id,
                application_id=uuid.UUID(application_id),
                evaluator_id=uuid.UUID(evaluator_id),
                status=status,
                source="manual",
                assigned_at=datetime.now(UTC),
                version=1,
            )
        )
    return str(assignment_id)


async def my_assignment_id(
    client: httpx.AsyncClient, headers: dict[str, str], application_id: str
) -> str | None:
    response = await client.get("/api/my/assignments", headers=headers)
    assert response.status_code == 200, response.text
    return next((a["id"] for a in response.json() if a["application_id"] == application_id), None)
