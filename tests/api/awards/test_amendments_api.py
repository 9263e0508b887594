"""Amendments over HTTP, on A's notified approval (600,000: 150,000 in each fiscal year from
this one to 2029): the grant in force changed on the recipient's request — money moved
between fiscal years — composed like an approval, released by a person; the release moves
the commitments year by year under the budget's lock, and the amendment is the grant in
force afterwards. A year cannot fall below what it paid, nor rise above its budget."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.letters.content import decision_letter
from grants.letters.render import render_html
from tests.awards_factories import notified_award, order_payment, set_budget
from tests.fakes import FakeClock
from tests.unit.letters.sample import LETTERHEAD as LETTERS_LETTERHEAD


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await notified_award(client, db_session, clock)


def _etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


def _moved(award: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    """This year's and next year's instalments changed, the rest as they are."""
    year = award["today"].year
    amounts = {year: first, year + 1: second}
    return {
        "kind": "approval",
        "approval_start": str(award["today"]),
        "instalments": [
            {"fiscal_year": y, "amount": amounts.get(y, "150000.00")} for y in range(year, 2030)
        ],
        "request": "Die Ausstattung wird erst im Folgejahr geliefert.",
        "requested_on": str(award["today"]),
    }


async def _commitments(db_session: AsyncSession, application_id: str) -> dict[int, str]:
    rows = await db_session.execute(
        sa.text(
            "SELECT fiscal_year, sum(CASE WHEN kind = 'commitment' THEN amount ELSE -amount END) "
            "FROM ledger_entries WHERE application_id = :a AND kind IN ('commitment', "
            "'decommitment') GROUP BY fiscal_year ORDER BY fiscal_year"
        ),
        {"a": application_id},
    )
    await db_session.commit()
    return {int(y): str(total) for y, total in rows}


async def test_an_amendment_moves_money_between_years_and_becomes_the_grant(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, manager, anna, year = award["a"], award["manager"], award["applicant"], award["today"].year
    unchanged = await client.post(
        f"/api/applications/{a}/amendments",
        json=_moved(award, "150000.00", "150000.00"),
        headers=manager,
    )
    assert unchanged.status_code == 422, unchanged.text
    assert unchanged.json()["errors"][0]["rule"] == "nothing_changes"

    drafted = await client.post(
        f"/api/applications/{a}/amendments",
        json=_moved(award, "100000.00", "200000.00"),
        headers=manager,
    )
    assert drafted.status_code == 201, drafted.text
    body = drafted.json()
    assert body["kind"] == "amendment" and body["max_amount"] == "600000.00"
    changes = body["content"]["changes"]
    assert changes["before"]["instalments"][str(year)] == "150000.00"
    assert changes["after"]["instalments"][str(year + 1)] == "200000.00"
    assert body["content"]["request"]["text"].startswith("Die Ausstattung")
    assert await _commitments(db_session, a) == dict.fromkeys(range(year, 2030), "150000.00")

    released = await client.post(
        f"/api/decisions/{body['id']}/release", headers={**manager, **_etag(drafted)}
    )
    assert released.status_code == 200, released.text
    # The released record is complete for its letter (the letters' unit tests check its text).
    template, data = decision_letter(
        released.json(), LETTERS_LETTERHEAD, guideline_title="FRL LIfD", draft=False
    )
    html = render_html(template, data)
    assert "Änderungsbescheid" in html and "Die Ausstattung wird erst im Folgejahr" in html
    assert data["changed"] == {
        "max_amount": False,
        "approval_period": False,
        "instalments": True,
        "categories": False,
    }
    after = await _commitments(db_session, a)
    assert (after[year], after[year + 1]) == ("100000.00", "200000.00")
    listed = (await client.get(f"/api/applications/{a}/decisions", headers=anna)).json()
    assert [d["kind"] for d in listed] == ["approval", "amendment"]

    def request() -> dict[str, Any]:
        return {
            "fiscal_year": year,
            "amount": "100000.01",
            "purpose": "x",
            "needed_by": str(award["today"]),
            "costs_due": "500000.00",
            "own_funds_used": "100000.00",
        }

    url = f"/api/applications/{a}/payment-requests"
    # Released, not yet notified: nothing is paid on it until it takes effect.
    waiting = await client.post(url, json=request(), headers=anna)
    assert waiting.status_code == 409 and "nicht wirksam" in waiting.json()["detail"]
    async with db_session.begin():  # posted a week ago (as notified_award does it)
        await db_session.execute(
            sa.text(
                "INSERT INTO decision_notices (id, decision_id, number, kind, channel, on_date, "
                "note, recorded_at) VALUES (gen_random_uuid(), :d, 1, 'dispatched', 'post', "
                ":on, '', now())"
            ),
            {"d": body["id"], "on": award["today"] - timedelta(days=7)},
        )
    # In force: its instalments bound what may be requested (100,000 this year).
    too_much = await client.post(url, json=request(), headers=anna)
    assert too_much.status_code == 422, too_much.text


async def test_a_year_cannot_fall_below_its_payments_nor_rise_above_its_budget(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, manager, year = award["a"], award["manager"], award["today"].year
    await order_payment(client, award, "150000.00")  # this year's instalment, all of it
    below = await client.post(
        f"/api/applications/{a}/amendments",
        json=_moved(award, "100000.00", "200000.00"),
        headers=manager,
    )
    assert below.status_code == 422, below.text
    assert below.json()["errors"][0]["rule"] == "below_paid"

    # Next year's line budget holds 160,000: moving 50,000 more into it does not fit.
    lowered = await set_budget(
        client, manager, year + 1, "160000.00", call="demo", line="mobile", reason="Kürzung"
    )
    assert lowered.status_code == 200, lowered.text
    moved = _moved(award, "150000.00", "200000.00")
    moved["instalments"][-1]["amount"] = "100000.00"  # 2029 gives the 50,000
    drafted = await client.post(f"/api/applications/{a}/amendments", json=moved, headers=manager)
    assert drafted.status_code == 201, drafted.text
    released = await client.post(
        f"/api/decisions/{drafted.json()['id']}/release", headers={**manager, **_etag(drafted)}
    )
    assert released.status_code == 409, released.text
    assert released.json()["type"].endswith("budget-exceeded")
    assert await _commitments(db_session, a) == dict.fromkeys(range(year, 2030), "150000.00")
