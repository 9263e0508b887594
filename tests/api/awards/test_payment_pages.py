"""Payment requests in the managers' portal over HTTP, on a notified approval: one manager
certifies (with the password entered again), the same one cannot order — another does, and
only a correct password lets the money into the ledger; a refusal needs its reason."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.api.web.test_account_pages import form_token, sign_in
from tests.awards_factories import notified_award
from tests.conftest import client_for
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock


async def requested(client: httpx.AsyncClient, award: dict[str, Any], amount: str) -> str:
    today = award["today"]
    body = {
        "fiscal_year": today.year,
        "amount": amount,
        "purpose": "Zwei Lastenräder",
        "needed_by": str(today + timedelta(days=30)),
        "costs_due": "100000.00",
        "own_funds_used": "20000.00",
    }
    response = await client.post(
        f"/api/applications/{award['a']}/payment-requests", json=body, headers=award["applicant"]
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def manager(app: Litestar, api: httpx.AsyncClient, db_session: AsyncSession) -> Any:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    opened = await client_for(app).__aenter__()
    await sign_in(opened, email, STAFF_PASSWORD)
    return opened


async def step(portal: httpx.AsyncClient, payment: str, action: str, **fields: str) -> Any:
    url = f"/verwaltung/mittelabrufe/{payment}"
    page = await portal.get(url)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, page.text
    token = await form_token(portal, url)
    data = {"_csrf_token": token, "version": version.group(1), **fields}
    return await portal.post(f"{url}/{action}", data=data)


async def paid(client: httpx.AsyncClient, award: dict[str, Any]) -> Decimal:
    ledger = (
        await client.get(f"/api/applications/{award['a']}/ledger", headers=award["applicant"])
    ).json()
    return sum(
        (Decimal(e["amount"]) for e in ledger["entries"] if e["kind"] == "payment"), Decimal(0)
    )


async def test_certified_by_one_ordered_by_another_with_fresh_confirmations(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    award = await notified_award(client, db_session, clock)
    payment = await requested(client, award, "50000.00")
    first = await manager(app, client, db_session)
    second = await manager(app, client, db_session)
    try:
        file = await first.get(f"/verwaltung/antraege/{award['a']}")
        assert "Abruf 1" in file.text and "sachlich und rechnerisch zu prüfen" in file.text
        tick = {"bestaetigt": "ja"}
        no_password = await step(first, payment, "pruefen", **tick)
        assert no_password.status_code == 422 and 'href="#passwort"' in no_password.text
        certified = await step(first, payment, "pruefen", **tick, passwort=STAFF_PASSWORD)
        assert certified.status_code == 303, certified.text
        page = await first.get(f"/verwaltung/mittelabrufe/{payment}")
        assert "anordnen muss eine andere Person" in page.text
        # The same person posting the order anyway: refused by the service, nothing paid.
        own = await step(first, payment, "anordnen", **tick, passwort=STAFF_PASSWORD)
        assert own.status_code == 422
        wrong = await step(second, payment, "anordnen", **tick, passwort="nicht-das-passwort")
        assert wrong.status_code == 422 and "Passwort stimmt nicht" in wrong.text
        assert await paid(client, award) == Decimal(0)
        ordered = await step(second, payment, "anordnen", **tick, passwort=STAFF_PASSWORD)
        assert ordered.status_code == 303, ordered.text
        assert await paid(client, award) == Decimal("50000.00")
        done = await second.get(f"/verwaltung/mittelabrufe/{payment}")
        assert "Auszahlung angeordnet" in done.text and 'name="passwort"' not in done.text
    finally:
        await first.__aexit__(None, None, None)
        await second.__aexit__(None, None, None)


async def test_a_refusal_needs_its_reason(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    award = await notified_award(client, db_session, clock)
    payment = await requested(client, award, "10000.00")
    portal = await manager(app, client, db_session)
    try:
        empty = await step(portal, payment, "ablehnen", grund=" ")
        assert empty.status_code == 422 and 'href="#grund"' in empty.text
        refused = await step(portal, payment, "ablehnen", grund="Ausgaben nicht belegt.")
        assert refused.status_code == 303
        found = await client.get(f"/api/payment-requests/{payment}", headers=award["applicant"])
        assert found.json()["status"] == "refused"
        assert found.json()["refusal_reason"] == "Ausgaben nicht belegt."
        assert (await portal.get(f"/verwaltung/mittelabrufe/{payment}/x")).status_code in {404, 405}
    finally:
        await portal.__aexit__(None, None, None)


async def test_only_managers_reach_payments(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    award = await notified_award(client, db_session, clock)
    payment = await requested(client, award, "10000.00")
    account = award["applicant_account"]
    async with client_for(app) as other:
        await sign_in(other, account["email"], account["password"])
        assert (await other.get(f"/verwaltung/mittelabrufe/{payment}")).status_code == 404
        token = await form_token(other, "/antraege")
        for action in ("pruefen", "anordnen", "ablehnen"):
            posted = await other.post(
                f"/verwaltung/mittelabrufe/{payment}/{action}",
                data={"_csrf_token": token, "passwort": account["password"], "grund": "x"},
            )
            assert posted.status_code == 404
    found = await client.get(f"/api/payment-requests/{payment}", headers=award["applicant"])
    assert found.json()["status"] == "requested"
