"""Proofs of use and the sample in the managers' portal over HTTP, on A's notified approval:
the recipient's submitted final proof listed on the file and shown with its costs and
receipts; a summary check refused where no sample covers the case, the detailed check
accepted with what is recognised — as the API then reports; the call's sample drawn, a
re-draw refused without a reason; only managers."""

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.api.web.test_account_pages import form_token, sign_in
from tests.awards_factories import PROGRAMME, notified_award
from tests.conftest import client_for
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock


async def submitted_final(client: httpx.AsyncClient, award: dict[str, Any]) -> str:
    today, anna = award["today"], award["applicant"]

    def receipt(number: str, amount: str, reason: str) -> dict[str, Any]:
        return {
            "number": number,
            "paid_on": str(today - timedelta(days=3)),
            "payee": "Werkzeughandel Aue GmbH",
            "reason": reason,
            "category": "equipment",
            "amount": amount,
        }

    created = await client.post(
        f"/api/applications/{award['a']}/proofs-of-use",
        json={
            "kind": "final",
            "factual_report": "Die Werkstatt ist eingerichtet und seit März geöffnet.",
            "costs": [{"category": "equipment", "amount": "700000.00"}],
            "receipts": [
                receipt("1", "400000.00", "Lasercutter"),
                receipt("2", "300000.00", "Lastenräder"),
            ],
            "third_party_funds": "0.00",
        },
        headers=anna,
    )
    assert created.status_code == 201, created.text
    submitted = await client.post(
        f"/api/proofs-of-use/{created.json()['id']}/submission",
        headers={**anna, "If-Match": created.headers["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    return str(created.json()["id"])


async def manager(app: Litestar, api: httpx.AsyncClient, db_session: AsyncSession) -> Any:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    opened = await client_for(app).__aenter__()
    await sign_in(opened, email, STAFF_PASSWORD)
    return opened


async def check(portal: httpx.AsyncClient, proof: str, **fields: str) -> Any:
    url = f"/verwaltung/nachweise/{proof}"
    page = await portal.get(url)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, page.text
    data = {"_csrf_token": await form_token(portal, url), "version": version.group(1)}
    return await portal.post(f"{url}/pruefen", data={**data, **fields})


async def test_a_final_proof_checked_in_detail(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    award = await notified_award(client, db_session, clock)
    proof = await submitted_final(client, award)
    portal = await manager(app, client, db_session)
    try:
        file = await portal.get(f"/verwaltung/antraege/{award['a']}")
        assert "Verwendungsnachweis 1" in file.text and "eingereicht: zu prüfen" in file.text
        page = await portal.get(f"/verwaltung/nachweise/{proof}")
        assert "Lastenräder" in page.text and "700.000,00" in page.text
        accept = {
            "ergebnis": "accepted",
            "anerkannt-equipment": "700.000,00",
            "beleg-1": "ja",
            "beleg-2": "ja",
            "vermerk": "Belege vollständig.",
        }
        summary = await check(portal, proof, **accept, umfang="summary")
        assert summary.status_code == 422 and "Nicht ausgeführt" in summary.text
        done = await check(portal, proof, **accept, umfang="detailed")
        assert done.status_code == 303, done.text
        found = (await client.get(f"/api/proofs-of-use/{proof}", headers=award["manager"])).json()
        assert found["status"] == "checked" and found["check_scope"] == "detailed"
        assert found["receipts_checked"] == ["1", "2"]
        assert found["recognised"][0]["amount"] == "700000.00"
        shown = await portal.get(f"/verwaltung/nachweise/{proof}?geprueft")
        assert "Die Prüfung ist gespeichert" in shown.text and 'name="ergebnis"' not in shown.text
    finally:
        await portal.__aexit__(None, None, None)


async def test_the_sample_and_who_may_see_it(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    award = await notified_award(client, db_session, clock)
    proof = await submitted_final(client, award)
    url = f"/verwaltung/stichprobe/{PROGRAMME}/demo"
    portal = await manager(app, client, db_session)
    try:
        assert "Noch keine Stichprobe gezogen." in (await portal.get(url)).text
        token = await form_token(portal, url)
        too_small = await portal.post(url, data={"_csrf_token": token, "anteil": "30"})
        assert too_small.status_code == 422
        drawn = await portal.post(url, data={"_csrf_token": token, "anteil": "50"})
        assert drawn.status_code == 303, drawn.text
        assert "Ziehung 1 vom" in (await portal.get(url)).text
        again = await portal.post(url, data={"_csrf_token": token, "anteil": "50"})
        assert again.status_code == 422
    finally:
        await portal.__aexit__(None, None, None)
    account = award["applicant_account"]
    async with client_for(app) as other:
        await sign_in(other, account["email"], account["password"])
        for path in (url, f"/verwaltung/nachweise/{proof}"):
            assert (await other.get(path)).status_code == 404
        token = await form_token(other, "/antraege")
        posted = await other.post(
            f"/verwaltung/nachweise/{proof}/pruefen",
            data={"_csrf_token": token, "ergebnis": "accepted", "umfang": "detailed"},
        )
        assert posted.status_code == 404
    found = await client.get(f"/api/proofs-of-use/{proof}", headers=award["manager"])
    assert found.json()["status"] == "submitted"
