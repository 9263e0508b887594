"""Builders for evaluation tests: applications under review, evaluators in the pool, and a
raw SQL assignment (to simulate a stale one that bypassed the services)."""

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.evaluation.tables import assignments_table
from tests.applications_factories import submitted
from tests.factories import staff_headers


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
    **fields: Any,
) -> dict[str, Any]:
    """A submitted application taken through the formal check into review."""
    application, _ = await submitted(client, db_session, applicant_headers, **fields)
    url = f"/api/applications/{application['id']}/transitions"
    for event in ("start_formal_check", "accept_for_review"):
        response = await client.post(url, json={"event": event}, headers=manager_headers)
        assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


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
