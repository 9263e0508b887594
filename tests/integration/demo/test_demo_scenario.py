"""``grants demo seed --scenario``: the closed call 2024-1 with thirty proposals, made through the
services, so that the ranking has a funding line and a reserve on both lines and every entry
the rubric's three evaluations; the what-if moves proposals across the line; a second run
does nothing, and a call or pool that is not the demo's is refused."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import RegistrationCreate
from grants.accounts.service import create_staff_user, register_applicant
from grants.applications.drafts import create_application
from grants.applications.schemas import ApplicationCreate
from grants.applications.tables import applications_table, submissions_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import Conflict
from grants.core.roles import StaffRole
from grants.db.audit import audit_table
from grants.demo import DEMO_EVALUATORS, MANAGER_EMAIL, Uploads, seed_demo
from grants.demo_scenario import (
    EMPLOYED_EVALUATOR,
    EMPLOYER,
    ORGANISATIONS,
    PROJECTS,
    ScenarioSummary,
    proposal,
    run_scenario,
    scenario_steps,
)
from grants.evaluation.assignment.pool import upsert_profile
from grants.evaluation.assignment.schemas import ProfileUpsert
from grants.evaluation.tables import assignments_table, score_sheets_table
from grants.guidelines.registry import GuidelineRegistry
from tests.factories import STAFF_PASSWORD, registration_body, system_context
from tests.integration.demo.conftest import headers_of

BERLIN = ZoneInfo("Europe/Berlin")


async def _scenario(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> tuple[list[Any], ScenarioSummary]:
    accounts = await seed_demo(db_session, registry=registry, uploads=uploads)
    steps: list[str] = []
    summary = await run_scenario(
        db_session, registry=registry, uploads=uploads, on_step=steps.append
    )
    assert len(steps) == scenario_steps()
    return accounts, summary


async def test_the_scenario_gives_a_ranking_with_funding_lines_reserves_and_a_what_if(
    db_session: AsyncSession,
    client: httpx.AsyncClient,
    registry: GuidelineRegistry,
    uploads: Uploads,
) -> None:
    accounts, summary = await _scenario(db_session, registry, uploads)
    assert (summary.organisations, summary.applications, summary.acknowledged) == (10, 30, 3)
    assert (summary.in_review, summary.information_requested, summary.rejection_proposed) == (
        28,
        1,
        1,
    )
    assert (summary.assignments, summary.sheets) == (84, 84)
    manager = await headers_of(client, accounts, MANAGER_EMAIL)

    response = await client.get(
        "/api/evaluation/rankings", params={"call": "2024-1"}, headers=manager
    )
    assert response.status_code == 200, response.text
    ranking = response.json()
    lines = {line["funding_line"]: line for line in ranking["lines"]}
    assert sorted(lines) == ["mobile", "stationary"]
    entries = [e for line in lines.values() for e in line["entries"]]
    assert len(entries) >= 25
    assert {e["evaluations"] for e in entries} == {ranking["policy"]["minimum_evaluators"]} == {3}
    for line in lines.values():
        statuses = [e["funding_status"] for e in line["entries"]]
        assert Decimal(line["budget"]) == Decimal("6000000.00")  # an equal share of EUR 12 m
        assert "funded" in statuses and "reserve" in statuses, line["funding_line"]
        assert Decimal(line["committed"]) <= Decimal(line["budget"])
        funded = sum(
            Decimal(e["requested_grant"])
            for e in line["entries"]
            if e["funding_status"] == "funded"
        )
        assert funded == Decimal(line["committed"])
        # Reserve: passes every threshold, beyond the budget; the failures are named.
        for entry in line["entries"]:
            if entry["funding_status"] == "reserve":
                assert entry["passes_thresholds"] and entry["not_funded_reason"] == "budget"
            if not entry["passes_thresholds"]:
                assert entry["funding_status"] == "not_funded"
                assert entry["threshold_failures"]
    assert any(f["criterion"] == "K5" for e in entries for f in e["threshold_failures"]), (
        "the proposal weak on sustainability fails its criterion minimum"
    )

    reserve = [e for e in lines["mobile"]["entries"] if e["funding_status"] == "reserve"]
    what_if = await client.post(
        "/api/evaluation/rankings/simulate",
        json={"call": "2024-1", "funding_line": "mobile", "budget": "7000000.00"},
        headers=manager,
    )
    assert what_if.status_code == 200, what_if.text
    moved = what_if.json()
    assert moved["moved_in"], moved
    assert {m["application_id"] for m in moved["moved_in"]} <= {
        e["application_id"] for e in reserve
    }
    assert moved["scenario"]["funded"] > moved["base"]["funded"]
    assert moved["base"]["reserve"] == len(reserve)


async def test_the_scenario_went_through_each_step_as_the_users_would(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    await _scenario(db_session, registry, uploads)
    async with db_session.begin():
        statuses: dict[str, int] = dict(
            (
                await db_session.execute(
                    sa.select(applications_table.c.status, sa.func.count())
                    .where(applications_table.c.call_code == "2024-1")
                    .group_by(applications_table.c.status)
                )
            ).all()
        )
        received = (
            await db_session.execute(
                sa.select(
                    sa.func.max(submissions_table.c.received_at),
                    # the column holds JSON null when nothing was acknowledged
                    sa.func.count().filter(
                        sa.func.jsonb_typeof(submissions_table.c.acknowledgement) == "object"
                    ),
                )
            )
        ).one()
        actions: dict[str, int] = dict(
            (
                await db_session.execute(
                    sa.select(audit_table.c.action, sa.func.count()).group_by(audit_table.c.action)
                )
            ).all()
        )
        employed_on_employer = (
            await db_session.execute(
                sa.text(
                    "SELECT count(*) FROM assignments a JOIN users u ON u.id = a.evaluator_id "
                    "JOIN applications p ON p.id = a.application_id "
                    "JOIN memberships m ON m.organisation_id = p.organisation_id "
                    "JOIN users c ON c.id = m.user_id WHERE u.email = :evaluator "
                    "AND c.email = :employer"
                ),
                {"evaluator": EMPLOYED_EVALUATOR, "employer": f"{EMPLOYER}@demo.grants.example"},
            )
        ).scalar_one()
        sheets = (
            await db_session.execute(
                sa.select(score_sheets_table.c.status, sa.func.count()).group_by(
                    score_sheets_table.c.status
                )
            )
        ).all()
        accepted = (
            await db_session.execute(
                sa.select(sa.func.count()).where(assignments_table.c.status == "accepted")
            )
        ).scalar_one()
    assert statuses == {"in_review": 28, "information_requested": 1, "formal_check": 1}
    assert datetime(2024, 3, 15, 23, 41, tzinfo=BERLIN) == received[0]  # the last minute
    assert received[1] == 3  # three submissions acknowledged failing rules
    assert actions["application_submitted"] == 30
    assert actions["attachment_uploaded"] == 31  # the demo draft's concept too
    assert actions["formal_check_recorded"] == 30
    assert actions["evaluator_affiliation_declared"] == 1
    assert actions["evaluators_auto_assigned"] == 2
    assert actions["score_sheet_submitted"] == 84
    assert employed_on_employer == 0  # the declared employer's proposals: never her
    assert sheets == [("submitted", 84)]
    assert accepted == 84


async def test_a_second_run_does_nothing_and_says_so(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    await _scenario(db_session, registry, uploads)
    async with db_session.begin():
        before = (
            await db_session.execute(sa.select(sa.func.count()).select_from(audit_table))
        ).scalar_one()
    again = await run_scenario(db_session, registry=registry, uploads=uploads)
    assert (again.already_there, again.applications, again.sheets) == (True, 30, 0)
    async with db_session.begin():
        after = (
            await db_session.execute(sa.select(sa.func.count()).select_from(audit_table))
        ).scalar_one()
    assert after == before


async def test_a_call_with_applications_not_of_the_demo_is_refused(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    await seed_demo(db_session, registry=registry, uploads=uploads)
    # Someone applied to 2024-1 while it was open, through the services.
    registered = await register_applicant(
        system_context(db_session), RegistrationCreate.model_validate(registration_body())
    )
    applicant = Principal(
        user_id=registered.user.id,
        email=registered.user.email,
        display_name="Anna Beispiel",
        memberships={registered.organisation.id: "admin"},
    )
    project = PROJECTS[0]
    organisation = next(o for o in ORGANISATIONS if o.slug == project.organisation)
    await create_application(
        UserContext.of(
            db_session, applicant, now=datetime(2024, 2, 10, tzinfo=BERLIN), guidelines=registry
        ),
        ApplicationCreate.model_validate(
            {"call": "2024-1", "funding_line": "stationary", **proposal(project, organisation)}
        ),
    )
    with pytest.raises(Conflict) as refused:
        await run_scenario(db_session, registry=registry, uploads=uploads)
    assert refused.value.extra == {"applications": 1}
    assert "2024-1" in refused.value.detail


async def test_a_pool_with_evaluators_outside_the_demo_is_refused(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    await seed_demo(db_session, registry=registry, uploads=uploads)
    ctx = system_context(db_session)
    user_id, _ = await create_staff_user(
        ctx,
        email="gutachterin@sab.example",
        display_name="Echte Gutachterin",
        password=STAFF_PASSWORD,
        roles=[StaffRole.EVALUATOR],
    )
    await upsert_profile(ctx, user_id, ProfileUpsert(), if_match=None)
    with pytest.raises(Conflict) as refused:
        await run_scenario(db_session, registry=registry, uploads=uploads)
    assert refused.value.extra == {"evaluators": ["gutachterin@sab.example"]}
    async with db_session.begin():
        count = (
            await db_session.execute(
                sa.select(sa.func.count()).where(applications_table.c.call_code == "2024-1")
            )
        ).scalar_one()
    assert count == 0


async def test_the_scenario_needs_the_demo_staff(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    with pytest.raises(Conflict) as refused:
        await run_scenario(db_session, registry=registry, uploads=uploads)
    assert "grants demo seed" in refused.value.detail
    assert len(DEMO_EVALUATORS) >= 3
