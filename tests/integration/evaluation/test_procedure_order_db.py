"""The procedure's order kept by PostgreSQL itself (migration 0011): rows written past the
services that skip a step are refused — a formal check dated before the call's deadline or
of an old version, an acceptance for review or a jury recommendation without a passed check,
a recommendation on too few score sheets without a reason, an invitation without a
recommendation."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.evaluation.tables import formal_checks_table, jury_decisions_table
from tests.applications_factories import applicant, submitted
from tests.evaluation_factories import close_call, manager, user_id
from tests.fakes import FakeClock


async def _submitted(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    anna = await applicant(client)
    boss = await manager(client, db_session)
    application, _ = await submitted(client, db_session, anna["headers"])
    calls = (await client.get("/api/calls")).json()
    await close_call(client, clock)
    deadline = datetime.fromisoformat(next(c for c in calls if c["code"] == "demo")["deadline_at"])
    return {
        "id": uuid.UUID(application["id"]),
        "manager": uuid.UUID(await user_id(client, boss)),
        "deadline": deadline,
    }


def _check(scene: dict[str, Any], **values: Any) -> Any:
    row = {
        "application_id": scene["id"],
        "submission_number": 1,
        "items": [],
        "outcome": "to_review",
        "reason": None,
        "checked_by": scene["manager"],
        "checked_at": scene["deadline"] + timedelta(seconds=1),
        "call_deadline_at": scene["deadline"],
        **values,
    }
    return sa.insert(formal_checks_table).values(**row)


def _decision(scene: dict[str, Any], **values: Any) -> Any:
    row = {
        "application_id": scene["id"],
        "recommendation": "recommended",
        "reason": "Jury",
        "decided_by": scene["manager"],
        "decided_at": scene["deadline"] + timedelta(days=30),
        "version": 1,
        "counted_evaluations": 3,
        "required_evaluations": 3,
        **values,
    }
    return sa.insert(jury_decisions_table).values(**row)


def _event(scene: dict[str, Any], event: str) -> Any:
    return sa.text(
        "INSERT INTO application_events (application_id, event, from_state, to_state, "
        "actor_label, occurred_at) VALUES (:id, :event, 'x', 'y', 'sql', now())"
    ).bindparams(id=scene["id"], event=event)


async def _refused(db_session: AsyncSession, statement: Any, match: str) -> None:
    with pytest.raises(DBAPIError, match=match):
        async with db_session.begin():
            await db_session.execute(statement)


async def _accepted(db_session: AsyncSession, statement: Any) -> None:
    async with db_session.begin():
        await db_session.execute(statement)


async def test_a_formal_check_only_after_the_deadline_and_of_the_latest_version(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _submitted(client, db_session, clock)
    at_deadline = _check(scene, checked_at=scene["deadline"])
    await _refused(db_session, at_deadline, "ck_formal_checks_after_deadline")
    await _refused(db_session, _check(scene, call_deadline_at=None), "without the call deadline")
    await _refused(db_session, _check(scene, submission_number=2), "latest submitted version")
    await _accepted(db_session, _check(scene))


async def test_review_and_jury_only_after_a_passed_check(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _submitted(client, db_session, clock)
    for event in ("accept_for_review", "complete_review"):
        await _refused(db_session, _event(scene, event), "without a passed formal check")
    await _refused(db_session, _decision(scene), "without a passed formal check")
    await _accepted(db_session, _check(scene, outcome="formally_rejected", reason="Standort"))
    await _refused(db_session, _event(scene, "accept_for_review"), "passed formal check")
    await _refused(db_session, _event(scene, "invite"), "without a recorded jury recommendation")
    async with db_session.begin():
        await db_session.execute(
            sa.update(formal_checks_table)
            .where(formal_checks_table.c.application_id == scene["id"])
            .values(outcome="to_review", reason=None)
        )
    await _accepted(db_session, _event(scene, "accept_for_review"))
    # Fewer sheets than required: only with the reason for deciding anyway.
    few = _decision(scene, counted_evaluations=1)
    await _refused(db_session, few, "ck_jury_decisions_enough_sheets_or_reason")
    blank = _decision(scene, counted_evaluations=1, incomplete_review_reason="  ")
    await _refused(db_session, blank, "enough_sheets_or_reason")
    await _refused(db_session, _decision(scene, counted_evaluations=None), "without the counted")
    reasoned = _decision(scene, counted_evaluations=1, incomplete_review_reason="Frist der Jury")
    await _accepted(db_session, reasoned)
    await _accepted(db_session, _event(scene, "record_jury_decision"))
    await _accepted(db_session, _event(scene, "invite"))
