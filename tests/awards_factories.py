"""Builders for awards tests: applications taken through the jury and the formal application
into the application check, and budgets set level by level, all through the API."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.deadlines import berlin_date
from grants.core.roles import StaffRole
from tests.api.evaluation.scoring_helpers import ranked_call
from tests.factories import staff_headers
from tests.fakes import FakeClock

PROGRAMME = "frl-lifd"


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def step(
    client: httpx.AsyncClient, headers: dict[str, str], application_id: str, event: str, **body: Any
) -> dict[str, Any]:
    return await _ok(
        await client.post(
            f"/api/applications/{application_id}/transitions",
            json={"event": event, **body},
            headers=headers,
        )
    )


async def decided_call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    """``ranked_call`` after the jury: A (600,000) and C (300,000) recommended, invited, their
    formal applications submitted and under check; B (500,000) on the reserve list, not
    invited (state jury_decided). All on the demo call's mobile line, projects running
    2027-09-01 to 2029-08-31."""
    call = await ranked_call(client, db_session, clock)
    apps, manager, anna = call["apps"], call["manager"], call["applicant"]
    for key, vote in (("A", "recommended"), ("B", "reserve"), ("C", "recommended")):
        await _ok(
            await client.put(
                f"/api/evaluation/decisions/{apps[key]['id']}",
                json={"recommendation": vote, "reason": "Jury-Sitzung vom 10.05."},
                headers=manager,
            )
        )
    for key, grant in (("A", "600000"), ("C", "300000")):
        application_id = apps[key]["id"]
        await step(client, manager, application_id, "invite")
        await formal_application(client, anna, application_id, grant)
        await step(client, manager, application_id, "start_application_check")
    return call


# How a project of the demo call's mobile line, 2027-09-01 to 2029-08-31, spreads its
# equipment costs over the three fiscal years it touches.
YEAR_SHARES = ((2027, Decimal("0.25")), (2028, Decimal("0.5")), (2029, Decimal("0.25")))


def formal_content(grant: str) -> dict[str, Any]:
    """A complete formal application for ``asking(grant)``: equipment at the 80 % rate, the
    rest own funds, spread over 2027–2029; a registered association with one representative
    of sole power; a valid IBAN."""
    costs = (Decimal(grant) / Decimal("0.8")).quantize(Decimal("0.01"))
    years = []
    left = costs
    for index, (year, share) in enumerate(YEAR_SHARES):
        amount = (
            left if index == len(YEAR_SHARES) - 1 else (costs * share).quantize(Decimal("0.01"))
        )
        left -= amount
        grant_of_year = (amount * Decimal("0.8")).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")
        years.append(
            {
                "fiscal_year": year,
                "cost_lines": [
                    {
                        "category": "equipment",
                        "description": "Lastenräder, Werkzeug",
                        "amount": str(amount),
                    }
                ],
                "requested_grant": str(grant_of_year),
                "own_funds": str(amount - grant_of_year),
                "third_party_funds": "0.00",
            }
        )
    return {
        "organisation": {
            "register_court": "Amtsgericht Leipzig",
            "register_number": "VR 4711",
            "tax_number": "231/140/12345",
            "vat_status": "none",
            "nace_code": "94.99",
        },
        "legal_representatives": [
            {"name": "Anna Beispiel", "function": "Vorsitzende", "sole_power": True}
        ],
        "bank_account": {"holder": "Kulturwerk e. V.", "iban": "DE89 3704 0044 0532 0130 00"},
        "fiscal_years": years,
    }


async def formal_application(
    client: httpx.AsyncClient, headers: dict[str, str], application_id: str, grant: str
) -> dict[str, Any]:
    """Save and submit a complete formal application; returns its receipt."""
    url = f"/api/applications/{application_id}/formal-application"
    saved = await client.put(url, json={"content": formal_content(grant)}, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["complete"], saved.json()["problems"]
    keys = [d["key"] for d in saved.json()["declarations"]]
    return await _ok(
        await client.post(
            f"{url}/submissions",
            json={"confirmed_declarations": keys},
            headers={**headers, "If-Match": saved.headers["etag"]},
        ),
        201,
    )


async def set_budget(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    year: int,
    cash: str,
    *,
    authorisation: str = "0.00",
    call: str = "",
    line: str = "",
    reason: str = "Haushaltsplan 2027/2028",
) -> httpx.Response:
    return await client.put(
        f"/api/programmes/{PROGRAMME}/budgets",
        json={
            "call_code": call,
            "funding_line": line,
            "fiscal_year": year,
            "cash_appropriation": cash,
            "commitment_authorisation": authorisation,
            "reason": reason,
        },
        headers=headers,
    )


async def portal_consent(
    client: httpx.AsyncClient, admin: dict[str, str], application_id: str, *, given: bool = True
) -> str:
    """The consent of the application's organisation to notification by portal retrieval
    (§ 41 Abs. 2a VwVfG), given (or withdrawn) by its admin; returns the organisation's id."""
    found = await client.get(f"/api/applications/{application_id}", headers=admin)
    assert found.status_code == 200, found.text
    organisation_id: str = found.json()["organisation_id"]
    response = await client.put(
        f"/api/organisations/{organisation_id}/portal-delivery-consent",
        json={"consented": given},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["consented"] is given
    return organisation_id


async def budgets(
    client: httpx.AsyncClient, headers: dict[str, str], per_year: dict[int, str]
) -> None:
    """The same amount per year at every level: programme, the demo call, its mobile line."""
    for year, amount in per_year.items():
        for scope in ({}, {"call": "demo"}, {"call": "demo", "line": "mobile"}):
            await _ok(await set_budget(client, headers, year, amount, **scope))


INSTALMENTS_A = [
    {"fiscal_year": 2027, "amount": "100000.00"},
    {"fiscal_year": 2028, "amount": "300000.00"},
    {"fiscal_year": 2029, "amount": "200000.00"},
]


def approval(**overrides: Any) -> dict[str, Any]:
    """A draft approving A as applied for (600,000 over three fiscal years)."""
    return {"kind": "approval", "instalments": INSTALMENTS_A, **overrides}


async def notified_award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    """A released approval of A (600,000; approval period from today), notified: in force."""
    call = await decided_call(client, db_session, clock)
    manager = call["manager"]
    today = berlin_date(clock.current)
    years = list(range(today.year, 2030))
    await budgets(client, manager, dict.fromkeys(years, "1000000.00"))
    first = [{"fiscal_year": today.year, "amount": "150000.00"}]
    rest = [{"fiscal_year": y, "amount": "150000.00"} for y in range(today.year + 1, 2030)]
    total = 150000 * (1 + len(rest))
    assert total == 600000, "the approval period spans four fiscal years from today"
    a = call["apps"]["A"]["id"]
    draft = await client.post(
        f"/api/applications/{a}/decisions",
        json={
            "kind": "approval",
            "approval_start": str(today),
            "instalments": first + rest,
        },
        headers=manager,
    )
    assert draft.status_code == 201, draft.text
    released = await client.post(
        f"/api/decisions/{draft.json()['id']}/release",
        headers={**manager, "If-Match": draft.headers["etag"]},
    )
    assert released.status_code == 200, released.text
    # As if the letter had been posted a week before the decision date: written past the
    # service, which refuses a dispatch before the decision date (the tokens tie the test's
    # clock to the real one, so the clock cannot move a week on instead).
    async with db_session.begin():
        await db_session.execute(
            sa.text(
                "INSERT INTO decision_notices (id, decision_id, number, kind, channel, on_date, "
                "note, recorded_at) VALUES (gen_random_uuid(), :d, 1, 'dispatched', 'post', "
                ":on, '', now())"
            ),
            {"d": released.json()["id"], "on": today - timedelta(days=7)},
        )
    standing = (
        await client.get(f"/api/decisions/{released.json()['id']}", headers=manager)
    ).json()["standing"]
    assert standing["effective"] is True, standing
    return {
        **call,
        "a": a,
        "today": today,
        "certifier": await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER),
        "orderer": await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER),
    }


async def order_payment(
    client: httpx.AsyncClient, award: dict[str, Any], amount: str
) -> dict[str, Any]:
    """A payment of ``amount`` from this year's instalment of ``notified_award``'s A,
    requested by the recipient, certified and ordered by two managers."""
    today = award["today"]
    requested = await client.post(
        f"/api/applications/{award['a']}/payment-requests",
        json={
            "fiscal_year": today.year,
            "amount": amount,
            "purpose": "Ausstattung",
            "needed_by": str(today + timedelta(days=10)),
            "costs_due": "700000.00",
            "own_funds_used": "140000.00",
        },
        headers=award["applicant"],
    )
    assert requested.status_code == 201, requested.text
    url = f"/api/payment-requests/{requested.json()['id']}"
    certified = await client.post(
        f"{url}/certification",
        headers={**award["certifier"], "If-Match": requested.headers["etag"]},
    )
    assert certified.status_code == 200, certified.text
    return await _ok(
        await client.post(
            f"{url}/order", headers={**award["orderer"], "If-Match": certified.headers["etag"]}
        )
    )
