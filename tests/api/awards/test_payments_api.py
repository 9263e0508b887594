"""Payments (Mittelabrufe) over HTTP: the recipient requests from a fiscal year's annual
amount of a notified approval; one manager certifies, another orders — never the same
person; only the order enters the ledger and tells the recipient. A request that breaks a
rule is refused naming it, and nothing is written."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tests.awards_factories import notified_award
from tests.fakes import FakeClock


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await notified_award(client, db_session, clock)


def _body(award: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    today = award["today"]
    return {
        "fiscal_year": today.year,
        "amount": "50000.00",
        "purpose": "Zwei Lastenräder und die Werkstattausstattung",
        "needed_by": str(today + timedelta(days=30)),
        "costs_due": "100000.00",
        "own_funds_used": "20000.00",
        **overrides,
    }


def _etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def _payments(db_session: AsyncSession, application_id: str) -> list[Any]:
    rows = await db_session.execute(
        sa.text(
            "SELECT kind, amount FROM ledger_entries WHERE application_id = :id AND kind = "
            "'payment'"
        ),
        {"id": application_id},
    )
    return list(rows)


async def test_requested_certified_and_ordered_by_two_people(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, anna = award["a"], award["applicant"]
    certifier, orderer = award["certifier"], award["orderer"]
    requested = await client.post(
        f"/api/applications/{a}/payment-requests", json=_body(award), headers=anna
    )
    assert requested.status_code == 201, requested.text
    assert requested.json()["status"] == "requested"
    url = f"/api/payment-requests/{requested.json()['id']}"
    assert await _payments(db_session, a) == []

    not_yet = await client.post(f"{url}/order", headers={**orderer, **_etag(requested)})
    assert not_yet.status_code == 409  # certified first
    certified = await client.post(f"{url}/certification", headers={**certifier, **_etag(requested)})
    assert certified.status_code == 200, certified.text
    same_person = await client.post(f"{url}/order", headers={**certifier, **_etag(certified)})
    assert same_person.status_code == 403
    assert "four_eyes" in same_person.text or "Vier" in same_person.text
    ordered = await client.post(f"{url}/order", headers={**orderer, **_etag(certified)})
    assert ordered.status_code == 200, ordered.text
    body = ordered.json()
    assert body["status"] == "ordered"
    assert body["certified_by"] != body["ordered_by"]

    assert [(r.kind, str(r.amount)) for r in await _payments(db_session, a)] == [
        ("payment", "50000.00")
    ]
    ledger = (await client.get(f"/api/applications/{a}/ledger", headers=anna)).json()
    year = next(y for y in ledger["by_year"] if y["fiscal_year"] == award["today"].year)
    assert year["paid"] == "50000.00" and year["open"] == "100000.00"
    mails = await db_session.execute(
        sa.text("SELECT subject FROM outbox_messages WHERE application_id = :id"), {"id": a}
    )
    assert any("Auszahlung angewiesen" in s for s in mails.scalars())
    # The database refuses one person doing both, whatever the service does.
    await db_session.commit()  # end the reads' transaction
    with pytest.raises(sa.exc.DBAPIError, match="four_eyes"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE payment_requests SET ordered_by = certified_by WHERE id = :id"),
                {"id": body["id"]},
            )


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        pytest.param({"amount": "0.00"}, "amount", "positive", id="zero"),
        pytest.param({"amount": "150000.01"}, "amount", "exceeds_available", id="above open"),
        pytest.param({"costs_due": "40000.00"}, "amount", "ahead_of_share", id="ahead of share"),
        pytest.param({"needed_by": "2030-01-01"}, "needed_by", "not_needed_soon", id="not needed"),
    ],
)
async def test_a_request_breaking_a_rule_is_refused_naming_it(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    award: dict[str, Any],
    overrides: dict[str, Any],
    field: str,
    rule: str,
) -> None:
    a = award["a"]
    refused = await client.post(
        f"/api/applications/{a}/payment-requests",
        json=_body(award, **overrides),
        headers=award["applicant"],
    )
    assert refused.status_code == 422, refused.text
    assert (field, rule) in {(e["field"], e["rule"]) for e in refused.json()["errors"]}
    listed = await client.get(f"/api/applications/{a}/payment-requests", headers=award["applicant"])
    assert listed.json() == []


async def test_malformed_amounts_and_closed_years_are_refused(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    a, anna = award["a"], award["applicant"]
    url = f"/api/applications/{a}/payment-requests"
    for bad in ("-5.00", "1.001", 0.001):
        refused = await client.post(url, json=_body(award, amount=bad), headers=anna)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"].endswith("amount")
    closed = await client.post(
        url, json=_body(award, fiscal_year=award["today"].year - 1), headers=anna
    )
    assert closed.status_code == 422
    assert "year_closed" in {e["rule"] for e in closed.json()["errors"]}
    # Two requests together cannot draw more than the year's instalment.
    first = await client.post(
        url,
        json=_body(award, amount="100000.00", costs_due="200000.00", own_funds_used="0.00"),
        headers=anna,
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        url,
        json=_body(award, amount="60000.00", costs_due="300000.00", own_funds_used="0.00"),
        headers=anna,
    )
    assert second.status_code == 422
    assert "exceeds_available" in {e["rule"] for e in second.json()["errors"]}


async def test_no_payment_without_a_grant_and_only_the_recipient_requests(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    from tests.applications_factories import applicant

    anna, certifier = award["applicant"], award["certifier"]
    c = award["apps"]["C"]["id"]  # under check, not decided
    refused = await client.post(
        f"/api/applications/{c}/payment-requests", json=_body(award), headers=anna
    )
    assert refused.status_code == 409, refused.text
    by_manager = await client.post(
        f"/api/applications/{award['a']}/payment-requests", json=_body(award), headers=certifier
    )
    assert by_manager.status_code == 403
    stranger = (await applicant(client))["headers"]
    created = await client.post(
        f"/api/applications/{award['a']}/payment-requests", json=_body(award), headers=anna
    )
    url = f"/api/payment-requests/{created.json()['id']}"
    assert (await client.get(url, headers=stranger)).status_code == 404
    assert (await client.get(url, headers=anna)).status_code == 200
    assert (
        await client.post(f"{url}/certification", headers={**anna, **_etag(created)})
    ).status_code == 403
    refusal = await client.post(
        f"{url}/refusal", json={"reason": "Belege fehlen."}, headers={**certifier, **_etag(created)}
    )
    assert refusal.status_code == 200 and refusal.json()["status"] == "refused"
