"""Reminders and the overdue list, on A's notified approval (period from today over four fiscal
years: interim proofs for each year but the last, then the final one). The daily job's
function and the list are called with the day they would run on (months ahead: the tokens'
sessions would not survive the clock moving that far); the outbox's dedupe key sends each
reminder once however often the job runs."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.awards.reminders.service import overdue_list, send_reminders
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.deadlines import BERLIN
from grants.guidelines.registry import GuidelineRegistry
from tests.awards_factories import PROGRAMME, notified_award
from tests.fakes import FakeClock


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    found = await notified_award(client, db_session, clock)
    decision = (
        await client.get(f"/api/applications/{found['a']}/decisions", headers=found["manager"])
    ).json()[0]
    reports = decision["standing"]["reports_due"]
    first = next(r for r in reports if r["kind"] == "interim")
    return {**found, "reports": reports, "first": first}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), BERLIN).astimezone(UTC)


async def _reminders(db_session: AsyncSession, application_id: str) -> list[str]:
    rows = await db_session.execute(
        sa.text(
            "SELECT dedupe_key FROM outbox_messages WHERE application_id = :a "
            "AND kind LIKE 'reminder_%' ORDER BY created_at, kind DESC"
        ),
        {"a": application_id},
    )
    await db_session.commit()
    return [str(k).split(":", 2)[2] for k in rows.scalars()]


async def test_each_reminder_goes_out_once_before_and_after_the_due_day(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    award: dict[str, Any],
) -> None:
    a, year = award["a"], award["first"]["fiscal_year"]
    due = date.fromisoformat(award["first"]["due_on"])
    assert due.month in {4, 5} and due.year == year + 1  # 30 April, or the next working day

    assert await send_reminders(session_factory, lambda: _at(due - timedelta(days=15))) == 0
    assert await send_reminders(session_factory, lambda: _at(due - timedelta(days=10))) == 1
    assert await send_reminders(session_factory, lambda: _at(due - timedelta(days=9))) == 0
    assert await _reminders(db_session, a) == [f"interim:{year}:upcoming"]
    assert await send_reminders(session_factory, lambda: _at(due + timedelta(days=1))) == 1
    assert await _reminders(db_session, a) == [
        f"interim:{year}:upcoming",
        f"interim:{year}:overdue",
    ]
    subjects = (
        await db_session.execute(
            sa.text("SELECT subject FROM outbox_messages WHERE kind = 'reminder_overdue'")
        )
    ).scalars()
    assert any(s.startswith("Überfällig: Zwischennachweis") for s in subjects)


async def _manager_context(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    headers: dict[str, str],
    now: datetime,
) -> UserContext:
    me = (await client.get("/api/me", headers=headers)).json()["user"]
    principal = Principal(
        user_id=uuid.UUID(me["id"]),
        email=me["email"],
        display_name=me["display_name"],
        staff_roles=frozenset({"programme_manager"}),
    )
    registry: GuidelineRegistry = app.state.guidelines
    return UserContext.of(db_session, principal, now=now, guidelines=registry)


async def test_the_overdue_list_shows_what_is_owed_until_it_is_given(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, anna, manager, today = award["a"], award["applicant"], award["manager"], award["today"]
    year = award["first"]["fiscal_year"]
    due = date.fromisoformat(award["first"]["due_on"])
    await db_session.commit()

    # Today nothing is overdue; the route answers managers only.
    listed = await client.get(f"/api/programmes/{PROGRAMME}/overdue", headers=manager)
    assert listed.status_code == 200, listed.text
    assert listed.json()["reports"] == []
    assert (
        await client.get(f"/api/programmes/{PROGRAMME}/overdue", headers=anna)
    ).status_code == 403
    assert (await client.get("/api/programmes/nope/overdue", headers=manager)).status_code == 404

    later = await _manager_context(app, client, db_session, manager, _at(due + timedelta(days=3)))
    found = await overdue_list(later, PROGRAMME)
    assert [(r.kind, r.fiscal_year, r.days_overdue) for r in found.reports] == [
        ("interim", year, 3)
    ]

    # The recipient submits the interim proof: it is no longer owed.
    created = await client.post(
        f"/api/applications/{a}/proofs-of-use",
        json={
            "kind": "interim",
            "fiscal_year": year,
            "factual_report": "Werkstatt eingerichtet.",
            "costs": [{"category": "equipment", "amount": "100.00"}],
            "receipts": [
                {
                    "number": "1",
                    "paid_on": str(today),
                    "payee": "Händler",
                    "reason": "Werkzeug",
                    "category": "equipment",
                    "amount": "100.00",
                }
            ],
        },
        headers=anna,
    )
    assert created.status_code == 201, created.text
    submitted = await client.post(
        f"/api/proofs-of-use/{created.json()['id']}/submission",
        headers={**anna, "If-Match": created.headers["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    later = await _manager_context(app, client, db_session, manager, _at(due + timedelta(days=3)))
    assert (await overdue_list(later, PROGRAMME)).reports == []


async def test_waiting_payments_are_listed(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    today = award["today"]
    requested = await client.post(
        f"/api/applications/{award['a']}/payment-requests",
        json={
            "fiscal_year": today.year,
            "amount": "1000.00",
            "purpose": "Werkzeug",
            "needed_by": str(today),
            "costs_due": "10000.00",
        },
        headers=award["applicant"],
    )
    assert requested.status_code == 201, requested.text
    listed = (
        await client.get(f"/api/programmes/{PROGRAMME}/overdue", headers=award["manager"])
    ).json()
    assert [(p["status"], p["amount"], p["days_waiting"]) for p in listed["payments"]] == [
        ("requested", "1000.00", 0)
    ]
