"""Interest on funds not used in time (§ 49a Abs. 4 VwVfG) over HTTP, on A's notified
approval (equipment at 80 %; ``notified_award``): 100,000 paid 100 days ago (written past
the service, as if ordered then: the tokens tie the test's clock to the real one), 150,000
paid today; the final proof's receipts (700,000, all recognised) were paid three days ago.
First in, first out, the old 100,000 waited beyond its two months; today's payment came
after the costs (pre-financed) and bears nothing. Staff see the computation; a person sets
the claim with the discretion used; the recipient sees only what was set."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.base_rates import load_base_rates
from grants.core.deadlines import add_months
from grants.core.interest import round_half_up_to_cent
from tests.api.awards.test_proofs_api import _accepted_final_after_draft
from tests.awards_factories import notified_award, order_payment
from tests.fakes import FakeClock

URL = "/api/applications/{a}/unused-funds-interest"


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    found = await notified_award(client, db_session, clock)
    await order_payment(client, found, "150000.00")
    paid_early = found["today"] - timedelta(days=100)
    async with db_session.begin():
        await db_session.execute(
            sa.text(
                "INSERT INTO ledger_entries (kind, application_id, guideline_id, call_code, "
                "funding_line, fiscal_year, amount, actor_label, reason, occurred_at) SELECT "
                "'payment', application_id, guideline_id, call_code, funding_line, "
                "fiscal_year, 100000, 'test', '', (CAST(:day AS date) + time '12:00') "
                "AT TIME ZONE 'Europe/Berlin' FROM ledger_entries "
                "WHERE application_id = :a AND kind = 'payment'"
            ),
            {"a": found["a"], "day": paid_early},
        )
    return {**found, "paid_early": paid_early}


def _expected(award: dict[str, Any], *, from_payment: bool) -> tuple[Decimal, int]:
    """By hand: 100,000 × (base rate + 5) % × days / 365, rounded once."""
    paid_early, used_on = award["paid_early"], award["today"] - timedelta(days=3)
    start = paid_early + timedelta(days=1)
    if not from_payment:
        start = add_months(paid_early, 2) + timedelta(days=1)
    days = (used_on - start).days
    base = load_base_rates().rate_on(start)
    assert base == load_base_rates().rate_on(used_on - timedelta(days=1)), "one rate only"
    exact = Fraction(100000) * (Fraction(base) + 5) / 100 * days / 365
    return round_half_up_to_cent(exact), days


async def _proof(client: httpx.AsyncClient, award: dict[str, Any]) -> dict[str, Any]:
    draft = await client.post(
        f"/api/applications/{award['a']}/proofs-of-use",
        json={"kind": "final"},
        headers=award["applicant"],
    )
    assert draft.status_code == 201, draft.text
    return await _accepted_final_after_draft(client, award, draft.json())


async def _rows(db_session: AsyncSession, a: str) -> tuple[list[Any], list[Any], list[str]]:
    decided = list(
        await db_session.execute(
            sa.text("SELECT claimed FROM unused_funds_interest_decisions WHERE application_id=:a"),
            {"a": a},
        )
    )
    interest = list(
        await db_session.execute(
            sa.text(
                "SELECT amount, reason FROM ledger_entries WHERE application_id = :a "
                "AND kind = 'interest'"
            ),
            {"a": a},
        )
    )
    mails = list(
        (
            await db_session.execute(
                sa.text("SELECT subject FROM outbox_messages WHERE application_id = :a"),
                {"a": a},
            )
        ).scalars()
    )
    await db_session.commit()
    return decided, interest, mails


async def test_interest_on_money_used_late_is_computed_for_staff_and_set_by_a_person(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, manager, anna = award["a"], award["manager"], award["applicant"]
    url = URL.format(a=a)
    # Before the final proof is checked nobody knows when the money was spent.
    early = await client.get(url, headers=manager)
    assert early.status_code == 409, early.text
    assert "Verwendungsnachweis" in early.json()["detail"]
    assert (await client.get(url, headers=anna)).status_code == 404
    await _proof(client, award)

    computed = await client.get(url, headers=manager)
    assert computed.status_code == 200, computed.text
    body = computed.json()
    expected, days = _expected(award, from_payment=False)
    assert body["computed"] == str(expected) and body["decided_at"] is None
    assert body["claimed"] is None
    assert (body["paid"], body["used"], body["never_used"]) == ("250000.00", "560000.00", "0.00")
    assert body["allowed_months"] == 2 and body["allowed_period_assumed"] is True
    late = [p for p in body["pieces"] if p["late"]]
    assert [(p["paid_on"], p["amount"], p["interest_days"]) for p in late] == [
        (str(award["paid_early"]), "100000.00", days)
    ]
    on_time = [p for p in body["pieces"] if not p["late"]]
    assert [(p["paid_on"], p["used_on"]) for p in on_time] == [(str(award["today"]),) * 2]
    # Counting from the payment charges the whole wait, once the two months were exceeded.
    longer = await client.get(url, params={"count_from": "payment"}, headers=manager)
    assert longer.json()["computed"] == str(_expected(award, from_payment=True)[0])
    assert Decimal(longer.json()["computed"]) > expected


async def test_a_person_sets_the_claim_once_with_the_discretion_used(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, manager, anna = award["a"], award["manager"], award["applicant"]
    url = URL.format(a=a)
    await _proof(client, award)
    expected, _ = _expected(award, from_payment=False)
    # A computed interest the authority has not claimed is no claim: not the recipient's.
    assert (await client.get(url, headers=anna)).status_code == 404
    refused = await client.post(url, json={"discretion": "x"}, headers=anna)
    assert refused.status_code == 403

    too_much = await client.post(
        url, json={"claimed": str(expected + Decimal("0.01")), "discretion": "x"}, headers=manager
    )
    assert too_much.status_code == 422, too_much.text
    assert [(e["field"], e["rule"]) for e in too_much.json()["errors"]] == [
        ("claimed", "above_computed")
    ]
    unreasoned = await client.post(url, json={}, headers=manager)
    assert unreasoned.status_code == 422, unreasoned.text
    assert "discretion" in {e["field"] for e in unreasoned.json()["errors"]}
    nothing, no_money, mails_before = await _rows(db_session, a)
    assert nothing == [] and no_money == []  # refused: nothing written

    half = (expected / 2).quantize(Decimal("0.01"))
    set_ = await client.post(
        url,
        json={
            "claimed": str(half),
            "discretion": "Die Verzögerung lag zur Hälfte beim Lieferanten.",
        },
        headers=manager,
    )
    assert set_.status_code == 201, set_.text
    decided = set_.json()
    assert (decided["computed"], decided["claimed"]) == (str(expected), str(half))
    assert decided["decided_at"] is not None
    rows, interest, mails = await _rows(db_session, a)
    assert [r.claimed for r in rows] == [half]
    assert [r.amount for r in interest] == [half]
    assert "§ 49a Abs. 4" in interest[0].reason
    assert len(mails) == len(mails_before) + 1
    assert [m for m in mails if m not in mails_before and "Zinsen" in m]

    # Now the recipient sees it, as it was set; a second decision is a conflict.
    mine = await client.get(url, headers=anna)
    assert mine.status_code == 200
    assert mine.json()["claimed"] == str(half)
    assert mine.json()["discretion"].startswith("Die Verzögerung")
    again = await client.post(url, json={"discretion": "noch einmal"}, headers=manager)
    assert again.status_code == 409
    # The decision is a fact of the file.
    with pytest.raises(sa.exc.DBAPIError):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE unused_funds_interest_decisions SET claimed = 0")
            )


async def test_claiming_nothing_is_recorded_without_money_or_mail(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, manager = award["a"], award["manager"]
    await _proof(client, award)
    _, _, before = await _rows(db_session, a)
    none = await client.post(
        URL.format(a=a),
        json={
            "claimed": "0.00",
            "discretion": "Geringfügig; Verwaltungsaufwand unverhältnismäßig.",
        },
        headers=manager,
    )
    assert none.status_code == 201, none.text
    rows, interest, mails = await _rows(db_session, a)
    assert [r.claimed for r in rows] == [Decimal("0.00")]
    assert interest == [] and mails == before
