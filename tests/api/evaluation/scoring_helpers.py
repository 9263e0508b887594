"""Builders for the score-sheet, ranking and decision tests: applications taken to
``in_review`` through the API (submitted while the call is open, formally checked after it
closed), evaluators as staff users, and assignments, conflicts and submitted sheets written
directly (independent of the assignment API)."""

import copy
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.evaluation.tables import assignments_table, conflicts_table, score_sheets_table
from tests.applications_factories import COMPLETE_DRAFT, submitted
from tests.evaluation_factories import to_review
from tests.factories import staff_headers
from tests.fakes import FakeClock

CODES = ("K1", "K2", "K3", "K4", "K5", "K6")


async def submitted_many(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    applicant_headers: dict[str, str],
    *drafts: dict[str, Any],
) -> list[dict[str, Any]]:
    """Submitted applications (one per set of draft fields): id, reference number, title."""
    found = []
    for fields in drafts:
        application, receipt = await submitted(client, db_session, applicant_headers, **fields)
        found.append(
            {
                "id": application["id"],
                "reference_number": receipt["reference_number"],
                "title": application["draft"]["title"],
            }
        )
    return found


async def in_review(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    applicant_headers: dict[str, str],
    manager: dict[str, str],
    clock: FakeClock,
    **fields: Any,
) -> dict[str, Any]:
    """A submitted application moved to ``in_review`` after the call closed (so: the last
    one a test submits): its id, reference number, title."""
    [application] = await submitted_many(client, db_session, applicant_headers, fields)
    await to_review(client, manager, clock, application["id"])
    return application


def asking(grant: str, **fields: Any) -> dict[str, Any]:
    """Draft fields of a complete, eligible proposal requesting ``grant`` (euros) on the
    mobile line: equipment at the 80 % rate and the rest as own funds, so the financing plan
    balances and the grant is fundable."""
    amount = Decimal(grant).quantize(Decimal("0.01"))
    costs = (amount / Decimal("0.8")).quantize(Decimal("0.01"))
    financing = copy.deepcopy(COMPLETE_DRAFT["financing"])
    financing.update(
        {
            "requested_grant": str(amount),
            "own_funds": str(costs - amount),
            "third_party_funds": "0.00",
        }
    )
    return {
        "funding_line": "mobile",
        "cost_lines": [
            {"category": "equipment", "description": "Ausstattung des Mobils", "amount": str(costs)}
        ],
        "financing": financing,
        **fields,
    }


async def evaluator(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> tuple[dict[str, str], uuid.UUID]:
    headers = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    me = (await client.get("/api/me", headers=headers)).json()
    return headers, uuid.UUID(me["user"]["id"])


async def assign(
    db_session: AsyncSession,
    application_id: str | uuid.UUID,
    evaluator_id: uuid.UUID,
    status: str = "accepted",
) -> uuid.UUID:
    assignment_id = uuid.uuid4()
    async with db_session.begin():
        await db_session.execute(
            sa.insert(assignments_table).values(
                id=assignment_id,
                application_id=uuid.UUID(str(application_id)),
                evaluator_id=evaluator_id,
                status=status,
                source="manual",
                assigned_at=datetime.now(UTC),
                version=1,
            )
        )
    return assignment_id


async def set_assignment_status(
    db_session: AsyncSession, assignment_id: uuid.UUID, status: str
) -> None:
    async with db_session.begin():
        await db_session.execute(
            sa.update(assignments_table)
            .where(assignments_table.c.id == assignment_id)
            .values(status=status)
        )


async def conflict(
    db_session: AsyncSession, application_id: str | uuid.UUID, evaluator_id: uuid.UUID
) -> None:
    async with db_session.begin():
        await db_session.execute(
            sa.insert(conflicts_table).values(
                application_id=uuid.UUID(str(application_id)),
                evaluator_id=evaluator_id,
                reason_code="declared",
                legal_basis="§ 21 VwVfG",
                detail="test",
                detected_at=datetime.now(UTC),
            )
        )


def scores(points: int | dict[str, int], text: str = "Nachvollziehbar begründet.") -> list[Any]:
    """A complete sheet body's ``scores``: one value for all criteria, or one per code."""
    values = points if isinstance(points, dict) else dict.fromkeys(CODES, points)
    return [{"criterion": c, "score": values[c], "justification": text} for c in CODES]


async def submitted_sheet(
    db_session: AsyncSession,
    assignment_id: uuid.UUID,
    application_id: str | uuid.UUID,
    evaluator_id: uuid.UUID,
    points: int | dict[str, int],
    *,
    status: str = "submitted",
) -> None:
    """A sheet written directly (ranking tests); the total is not needed by the ranking."""
    values = points if isinstance(points, dict) else dict.fromkeys(CODES, points)
    now = datetime.now(UTC)
    async with db_session.begin():
        await db_session.execute(
            sa.insert(score_sheets_table).values(
                id=uuid.uuid4(),
                assignment_id=assignment_id,
                application_id=uuid.UUID(str(application_id)),
                evaluator_id=evaluator_id,
                status=status,
                scores={c: {"score": values[c], "justification": "Begründung"} for c in CODES},
                guideline_hash="0" * 64,
                version=1,
                created_at=now,
                updated_at=now,
                submitted_at=now if status == "submitted" else None,
            )
        )


def if_match(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def ranked_call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    """Four applications of the demo call's mobile line (line budget 1,000,000.00), the
    grants as submitted:

    - A: 100.00 points, 600,000 → funded (a fourth, conflicted evaluator's zeros do not count)
    - B: 80.00 points, 500,000 → does not fit any more: reserve
    - C: 60.00 points (K2 from 1 to 5: disagreement), 300,000 → fits: funded
    - D: no sheets → last, threshold (too few evaluations)
    """
    from tests.applications_factories import applicant

    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    evaluators = [await evaluator(client, db_session) for _ in range(4)]
    drafts = {
        "A": asking("600000", title="Alpha"),
        "B": asking("500000", title="Beta"),
        "C": asking("300000", title="Gamma"),
        "D": asking("100000", title="=HYPERLINK(1)"),
    }
    submitted_apps = await submitted_many(client, db_session, anna["headers"], *drafts.values())
    apps = dict(zip(drafts, submitted_apps, strict=True))
    await to_review(client, manager, clock, *(a["id"] for a in submitted_apps))
    c_scores = [{**dict.fromkeys(CODES, 3), "K2": k2} for k2 in (1, 3, 5)]
    for position, (_, evaluator_id) in enumerate(evaluators[:3]):
        for key, points in (("A", 5), ("B", 4), ("C", c_scores[position])):
            assignment = await assign(db_session, apps[key]["id"], evaluator_id)
            await submitted_sheet(db_session, assignment, apps[key]["id"], evaluator_id, points)
    _, conflicted_id = evaluators[3]
    assignment = await assign(db_session, apps["A"]["id"], conflicted_id)
    await submitted_sheet(db_session, assignment, apps["A"]["id"], conflicted_id, 0)
    await conflict(db_session, apps["A"]["id"], conflicted_id)
    return {
        "apps": apps,
        "manager": manager,
        "applicant": anna["headers"],
        "applicant_account": anna,
        "evaluators": evaluators,
    }
