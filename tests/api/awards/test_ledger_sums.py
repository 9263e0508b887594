"""The ledger's sums (migration 0024), kept by its insert trigger, equal the ledger's own
aggregates after any mix of movements: per line, fiscal year, kind and Berlin month, and per
application, fiscal year and kind — including instants on both sides of a Berlin month
boundary and several rows inserted by one statement. The budgets overview and the dashboards
read them; a trigger that missed a row, counted one twice or took the UTC month would show
here. Migration 0029 replaced the per-application sums with sums per municipality, whose key
an awarded application can no longer change."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applications_factories import applicant, draft

KINDS = ("commitment", "decommitment", "payment", "reclaim", "refund", "interest")
MONTH_SUMS = """
SELECT guideline_id, call_code, funding_line, fiscal_year, kind,
       date_trunc('month', occurred_at AT TIME ZONE 'Europe/Berlin')::date AS month,
       sum(amount) AS amount, count(*) AS entries
FROM ledger_entries GROUP BY 1, 2, 3, 4, 5, 6
"""
MUNICIPALITY_SUMS = """
SELECT l.guideline_id, l.call_code, l.funding_line, l.fiscal_year,
       coalesce(a.municipality_key, '') AS municipality_key, l.kind,
       sum(l.amount) AS amount, count(*) AS entries
FROM ledger_entries l JOIN applications a ON a.id = l.application_id
GROUP BY 1, 2, 3, 4, 5, 6
"""


async def _rows(db_session: AsyncSession, sql: str) -> set[tuple[object, ...]]:
    return {tuple(row) for row in await db_session.execute(sa.text(sql))}


async def test_the_sums_equal_the_ledgers_aggregates(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    headers = (await applicant(client))["headers"]
    applications = [uuid.UUID((await draft(client, headers))["id"]) for _ in range(3)]
    # One names no municipality, two name different ones (the drafts' keys may still change).
    async with db_session.begin():
        for application, key in zip(applications, (None, "14521530", "14612000"), strict=True):
            await db_session.execute(
                sa.text("UPDATE applications SET municipality_key = :k WHERE id = :id"),
                {"k": key, "id": application},
            )
    rng = random.Random(20261202)
    # Around midnight Berlin time at the end of March (CET → CEST) and of October.
    boundaries = [
        datetime(2027, 3, 31, 22, 0, tzinfo=UTC),  # 00:00 CEST on 1 April
        datetime(2027, 10, 31, 23, 0, tzinfo=UTC),  # 00:00 CET on 1 November
    ]

    def entry() -> dict[str, object]:
        at = rng.choice(boundaries) + timedelta(seconds=rng.randint(-7200, 7200))
        return {
            "kind": rng.choice(KINDS),
            "app": rng.choice(applications),
            "line": rng.choice(("stationary", "mobile")),
            "year": rng.choice((2027, 2028)),
            "amount": Decimal(rng.randint(1, 10_000_000)) / 100,
            "at": at,
        }

    insert = sa.text(
        "INSERT INTO ledger_entries (kind, application_id, guideline_id, call_code, "
        "funding_line, fiscal_year, amount, actor_label, reason, occurred_at) VALUES "
        "(:kind, :app, 'frl-lifd', 'demo', :line, :year, :amount, 'test', '', :at)"
    )
    async with db_session.begin():
        for _ in range(150):
            await db_session.execute(insert, entry())
        await db_session.execute(insert, [entry() for _ in range(150)])  # one statement

    month_sums = await _rows(
        db_session,
        "SELECT guideline_id, call_code, funding_line, fiscal_year, kind, month, amount, "
        "entries FROM ledger_month_sums",
    )
    assert month_sums == await _rows(db_session, MONTH_SUMS)
    assert sum(int(str(r[-1])) for r in month_sums) == 300
    assert {r[5].month for r in month_sums} == {3, 4, 10, 11}  # type: ignore[attr-defined]
    municipality_sums = await _rows(
        db_session,
        "SELECT guideline_id, call_code, funding_line, fiscal_year, municipality_key, kind, "
        "amount, entries FROM ledger_municipality_sums",
    )
    assert municipality_sums == await _rows(db_session, MUNICIPALITY_SUMS)
    assert {r[4] for r in municipality_sums} == {"", "14521530", "14612000"}
    await db_session.commit()


async def test_an_awarded_applications_municipality_cannot_change(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    """The municipality sums keep the key an entry was booked under: the database refuses to
    move an awarded application to another municipality (and lets a draft's change)."""
    headers = (await applicant(client))["headers"]
    application = (await draft(client, headers))["id"]
    move = sa.text("UPDATE applications SET municipality_key = '14612000' WHERE id = :id")
    async with db_session.begin():
        await db_session.execute(move, {"id": application})
        await db_session.execute(
            sa.text("UPDATE applications SET status = 'approved' WHERE id = :id"),
            {"id": application},
        )
    with pytest.raises(sa.exc.DBAPIError, match="municipality of an awarded application"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE applications SET municipality_key = '14521530' WHERE id = :id"),
                {"id": application},
            )
    async with db_session.begin():
        await db_session.execute(  # other columns still change
            sa.text("UPDATE applications SET title = title || ' ' WHERE id = :id"),
            {"id": application},
        )
