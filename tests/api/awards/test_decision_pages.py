"""Decisions in the managers' portal over HTTP, on ``decided_call`` (A's formal application
under check, budgets set): drafting A's approval with its annual instalments, the letter's
preview marked ENTWURF, the release refused without the password entered again (and with a
wrong one: nothing bound), released with it; where the programme requires a second
approval, the author cannot give it and the release waits for another manager's; the
call's letters ordered in one batch with a progress page the script polls."""

import re
import uuid
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.api.web.test_account_pages import form_token, sign_in
from tests.awards_factories import INSTALMENTS_A, PROGRAMME, budgets, decided_call
from tests.conftest import client_for
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock

YEARS = {2027: "1000000.00", 2028: "1000000.00", 2029: "1000000.00"}


async def manager_on_portal(
    app: Litestar, api: httpx.AsyncClient, db_session: AsyncSession
) -> tuple[httpx.AsyncClient, dict[str, str]]:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    headers = await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    browser = client_for(app)
    opened = await browser.__aenter__()
    await sign_in(opened, email, STAFF_PASSWORD)
    return opened, headers


async def post(client: httpx.AsyncClient, url: str, data: dict[str, str], page: str) -> Any:
    return await client.post(url, data={**data, "_csrf_token": await form_token(client, page)})


def approval_form() -> dict[str, str]:
    form = {"art": "approval"}
    for number, instalment in enumerate(INSTALMENTS_A, start=1):
        form[f"rate-{number}-jahr"] = str(instalment["fiscal_year"])
        form[f"rate-{number}-betrag"] = instalment["amount"].replace(".", ",")
    return form


async def drafted(portal: httpx.AsyncClient, application_id: str) -> tuple[str, str]:
    """A's approval drafted on the portal: the decision's page address and its version."""
    file = f"/verwaltung/antraege/{application_id}"
    created = await post(portal, f"{file}/bescheide", approval_form(), file)
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    page = await portal.get(url)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, page.text
    return url, version.group(1)


async def test_draft_preview_and_release_with_a_fresh_confirmation(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    call = await decided_call(client, db_session, clock)
    await budgets(client, call["manager"], YEARS)
    a = call["apps"]["A"]["id"]
    portal, headers = await manager_on_portal(app, client, db_session)
    try:
        file = await portal.get(f"/verwaltung/antraege/{a}")
        assert "Bescheid entwerfen" in file.text
        url, version = await drafted(portal, a)
        decision_id = url.rsplit("/", 1)[1]
        shown = await portal.get(url)
        assert "Bescheid Nr. 1: Bewilligung wie beantragt" in shown.text
        assert "600.000,00" in shown.text and "2028: 300.000,00" in shown.text
        preview = await portal.get(f"{url}/entwurf.pdf")
        assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")
        assert preview.headers["content-type"] == "application/pdf"

        release = f"{url}/erlassen"
        # The session alone is not enough: no password, then a wrong one.
        bare = await post(portal, release, {"version": version, "bestaetigt": "ja"}, url)
        assert bare.status_code == 422 and 'href="#passwort"' in bare.text
        wrong = {"version": version, "bestaetigt": "ja", "passwort": "falsch-falsch-falsch"}
        refused = await post(portal, release, wrong, url)
        assert refused.status_code == 422 and "Passwort stimmt nicht" in refused.text
        unticked = await post(
            portal, release, {"version": version, "passwort": STAFF_PASSWORD}, url
        )
        assert unticked.status_code == 422 and 'href="#bestaetigt"' in unticked.text
        still = await client.get(f"/api/decisions/{decision_id}", headers=headers)
        assert still.json()["status"] == "draft"
        ledger = await client.get(f"/api/applications/{a}/ledger", headers=headers)
        assert ledger.json()["entries"] == []

        confirmed = {"version": version, "bestaetigt": "ja", "passwort": STAFF_PASSWORD}
        released = await post(portal, release, confirmed, url)
        assert released.status_code == 303, released.text
        after = (await client.get(f"/api/decisions/{decision_id}", headers=headers)).json()
        assert after["status"] == "released" and after["file_reference"]
        ledger = (await client.get(f"/api/applications/{a}/ledger", headers=headers)).json()
        assert sum(float(e["amount"]) for e in ledger["entries"]) == 600000.0
        done = await portal.get(released.headers["location"])
        assert "Der Bescheid ist erlassen" in done.text and "erlassen" in done.text

        # The call's letters in one batch, its progress on a page the script polls.
        ordered = await post(portal, f"/verwaltung/briefe/{PROGRAMME}/demo", {}, "/verwaltung")
        assert ordered.status_code == 303
        batch = await portal.get(ordered.headers["location"])
        assert batch.status_code == 200 and "<progress" in batch.text
        assert "von 1 Schreiben erstellt" in batch.text
        fragment = await portal.get(
            ordered.headers["location"], headers={"X-Fragment": "fortschritt"}
        )
        assert fragment.text.lstrip().startswith('<div id="fortschritt"')
        assert 'data-poll="fortschritt"' in fragment.text  # no worker here: still pending
    finally:
        await portal.__aexit__(None, None, None)


async def test_a_second_approval_by_another_manager(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    call = await decided_call(client, db_session, clock)
    await budgets(client, call["manager"], YEARS)
    settings = await client.put(
        f"/api/programmes/{PROGRAMME}/settings",
        json={"second_approval_required": True, "reason": "Vier-Augen-Prinzip"},
        headers=call["manager"],
    )
    assert settings.status_code == 200, settings.text
    a = call["apps"]["A"]["id"]
    author, _ = await manager_on_portal(app, client, db_session)
    colleague, _ = await manager_on_portal(app, client, db_session)
    try:
        url, version = await drafted(author, a)
        page = await author.get(url)
        assert "Vor dem Erlass muss eine zweite Person" in page.text
        assert "Zweite Freigabe erteilen" not in page.text  # not the author's to give
        confirmed = {"version": version, "bestaetigt": "ja", "passwort": STAFF_PASSWORD}
        own = await post(author, f"{url}/zweitfreigabe", confirmed, url)
        assert own.status_code == 422
        early = await post(author, f"{url}/erlassen", confirmed, url)
        assert early.status_code == 422
        seen = await colleague.get(url)
        assert "Zweite Freigabe erteilen" in seen.text
        approved = await post(colleague, f"{url}/zweitfreigabe", confirmed, url)
        assert approved.status_code == 303, approved.text
        after = await author.get(url)
        fresh = re.search(r'name="version" value="(\d+)"', after.text)
        assert fresh, after.text[-3000:]
        released = await post(
            author, f"{url}/erlassen", {**confirmed, "version": fresh.group(1)}, url
        )
        assert released.status_code == 303, released.text
    finally:
        await author.__aexit__(None, None, None)
        await colleague.__aexit__(None, None, None)


async def test_only_managers_reach_decisions(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    call = await decided_call(client, db_session, clock)
    a = call["apps"]["A"]["id"]
    portal, _ = await manager_on_portal(app, client, db_session)
    try:
        url, _ = await drafted(portal, a)
    finally:
        await portal.__aexit__(None, None, None)
    account = call["applicant_account"]
    async with client_for(app) as other:
        await sign_in(other, account["email"], account["password"])
        for path in (url, f"{url}/entwurf.pdf"):
            assert (await other.get(path)).status_code == 404
        token = await form_token(other, "/antraege")
        for action in ("erlassen", "zweitfreigabe", "verwerfen"):
            posted = await other.post(
                f"{url}/{action}", data={"_csrf_token": token, "passwort": account["password"]}
            )
            assert posted.status_code == 404


async def test_a_partial_approval_per_cost_category(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    call = await decided_call(client, db_session, clock)
    await budgets(client, call["manager"], YEARS)
    c = call["apps"]["C"]["id"]
    portal, headers = await manager_on_portal(app, client, db_session)
    try:
        file = f"/verwaltung/antraege/{c}"
        page = await portal.get(file)
        # The rows start from the formal application and the guideline's highest rate.
        assert 'name="kat-equipment-kosten" type="text" value="375000.00"' in page.text
        assert 'name="kat-equipment-satz" type="text" value="80"' in page.text
        form = {
            "art": "partial_approval",
            "kat-equipment-kosten": "300.000,00",
            "kat-equipment-satz": "80",
            "rate-1-jahr": "2027",
            "rate-1-betrag": "240.000,00",
            "ermessen": "Gleichbehandlung mit vergleichbaren mobilen Angeboten.",
        }
        unreasoned = await post(portal, f"{file}/bescheide", form, file)
        assert unreasoned.status_code == 422  # less than applied for, without a reason
        assert 'href="#kat-equipment-grund"' in unreasoned.text
        assert 'name="kat-equipment-kosten" type="text" value="300.000,00"' in unreasoned.text
        reasoned = {**form, "kat-equipment-grund": "Zwei Lastenräder sind nicht erforderlich."}
        created = await post(portal, f"{file}/bescheide", reasoned, file)
        assert created.status_code == 303, created.text
        decision_id = created.headers["location"].rsplit("/", 1)[1]
        found = (await client.get(f"/api/decisions/{decision_id}", headers=headers)).json()
        assert found["kind"] == "partial_approval"
        [category] = found["content"]["categories"]
        assert category["approved_cost"] == "300000.00" and category["approved_rate"] == "0.8000"
        shown = await portal.get(created.headers["location"])
        assert "Teilbewilligung" in shown.text and "240.000,00" in shown.text
    finally:
        await portal.__aexit__(None, None, None)
