"""The managers' applications over HTTP, against the API's records: the list with search,
filters and keyset pages; an application's file; the formal check as a checklist prefilled
from the verdict — refused before the deadline, a deviation without a reason named at its
field, recorded to review or as a request for information the applicant then has."""

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.roles import StaffRole
from grants.settings import Settings
from grants.web import submission_routes
from tests.api.evaluation.scoring_helpers import submitted_many
from tests.api.web.test_account_pages import form_token, sign_in
from tests.applications_factories import applicant
from tests.conftest import client_for
from tests.evaluation_factories import close_call, closing_app
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return closing_app(settings, session_factory, clock)


@pytest.fixture
async def office(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession
) -> dict[str, Any]:
    """Three submitted applications (the call still open) and a manager signed in."""
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        anna = await applicant(api)
        apps = await submitted_many(
            api,
            db_session,
            anna["headers"],
            {"title": "Alpha Werkstatt"},
            {"title": "Beta Labor"},
            {"title": "Gamma Raum"},
        )
        manager = await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    await sign_in(client, email, STAFF_PASSWORD)
    return {"apps": apps, "anna": anna, "manager": manager}


def checklist(page: str) -> tuple[list[str], dict[str, str]]:
    """The items proposed as passed (prefilled as confirmed) and the whole checklist
    confirmed: the others (proposed "to check by hand") with the reason a person gives."""
    every = re.findall(r'name="bestaetigt-([A-Za-z0-9_]+)" value="ja"', page)
    passed = re.findall(r'name="bestaetigt-([A-Za-z0-9_]+)" value="ja" checked', page)
    form = {f"bestaetigt-{code}": "ja" for code in every}
    form |= {f"begruendung-{code}": "Geprüft: liegt vor." for code in every if code not in passed}
    return passed, form


async def post(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    return await client.post(url, data={**data, "_csrf_token": await form_token(client, url)})


async def test_the_list_with_search_filters_and_pages(
    client: httpx.AsyncClient, office: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = await client.get("/verwaltung/antraege")
    assert listed.status_code == 200
    for application in office["apps"]:
        assert application["title"] in listed.text
    found = await client.get("/verwaltung/antraege?suche=Beta")
    assert "Beta Labor" in found.text and "Alpha Werkstatt" not in found.text
    by_reference = await client.get(
        f"/verwaltung/antraege?suche={office['apps'][2]['reference_number']}"
    )
    assert "Gamma Raum" in by_reference.text and "Beta Labor" not in by_reference.text
    none = await client.get("/verwaltung/antraege?stand=in_review")
    assert "Keine Anträge zu diesen Filtern." in none.text
    # Keyset pages: two per page, the third on the next; the filters travel with the cursor.
    monkeypatch.setattr(submission_routes, "PAGE_SIZE", 2)
    first = await client.get("/verwaltung/antraege?sortierung=reference_number")
    link = re.search(r'href="(/verwaltung/antraege\?[^"]*weiter=[^"]+)"', first.text)
    assert link, first.text
    second = await client.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    references = [a["reference_number"] for a in office["apps"]]
    assert all(r in first.text for r in sorted(references)[:2])
    assert sorted(references)[2] in second.text and sorted(references)[0] not in second.text


async def test_the_formal_check_from_the_checklist_to_review(
    app: Litestar, client: httpx.AsyncClient, clock: FakeClock, office: dict[str, Any]
) -> None:
    application = office["apps"][0]
    url = f"/verwaltung/antraege/{application['id']}/formalpruefung"
    shown = await client.get(url)
    assert shown.status_code == 200
    codes, form = checklist(shown.text)
    assert codes, "passed items are prefilled as confirmed"
    form |= {"ergebnis": "to_review"}
    # Before the call's deadline no check is recorded.
    early = await post(client, url, form)
    assert early.status_code == 422 and "Frist" in early.text
    async with client_for(app) as api:
        await close_call(api, clock)
        before = await api.get(f"/api/applications/{application['id']}", headers=office["manager"])
        assert before.json()["status"] == "submitted"
    # Deviating from a proposal without a reason: named at the item's reason field.
    deviating = {**form, f"bestaetigt-{codes[0]}": "nein", "ergebnis": "formally_rejected"}
    refused = await post(client, url, deviating)
    assert refused.status_code == 422
    assert f'href="#begruendung-{codes[0]}"' in refused.text
    # With the item's reason, the rejection still needs its own.
    unreasoned = await post(client, url, {**deviating, f"begruendung-{codes[0]}": "Fehlt."})
    assert unreasoned.status_code == 422 and 'href="#grund"' in unreasoned.text
    recorded = await post(client, url, form)
    assert recorded.status_code == 303, recorded.text
    assert recorded.headers["location"] == f"/verwaltung/antraege/{application['id']}?geprueft"
    async with client_for(app) as api:
        after = await api.get(f"/api/applications/{application['id']}", headers=office["manager"])
    assert after.json()["status"] == "in_review"
    file = await client.get(recorded.headers["location"])
    assert "Die Formalprüfung ist gespeichert." in file.text and "Zur Rangliste" in file.text


async def test_a_request_for_information_from_the_checklist(
    app: Litestar, client: httpx.AsyncClient, clock: FakeClock, office: dict[str, Any]
) -> None:
    application = office["apps"][1]
    url = f"/verwaltung/antraege/{application['id']}/formalpruefung"
    async with client_for(app) as api:
        await close_call(api, clock)
    shown = await client.get(url)
    _, form = checklist(shown.text)
    form |= {"ergebnis": "information_requested", "grund": "Finanzierungsplan unklar."}
    missing = await post(client, url, form)
    assert missing.status_code == 422
    assert 'href="#unterlagen"' in missing.text and 'href="#frist"' in missing.text
    form |= {
        "unterlagen": "Finanzierungszusage der Gemeinde\nAngebot Lasercutter",
        "frist": "2031-03-31",
    }
    recorded = await post(client, url, form)
    assert recorded.status_code == 303, recorded.text
    async with client_for(app) as api:
        requests = await api.get(
            f"/api/applications/{application['id']}/information-requests",
            headers=office["anna"]["headers"],
        )
    [asked] = requests.json()
    assert asked["items"] == ["Finanzierungszusage der Gemeinde", "Angebot Lasercutter"]
    due = datetime.fromisoformat(asked["due_at"]).astimezone(ZoneInfo("Europe/Berlin"))
    assert due.isoformat() == "2031-03-31T23:59:59+02:00"  # the day's end in Saxony


async def test_only_managers_reach_the_applications(
    app: Litestar, db_session: AsyncSession, office: dict[str, Any]
) -> None:
    evaluator = f"gutachter.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        await staff_headers(api, db_session, StaffRole.EVALUATOR, email=evaluator)
    application_id = office["apps"][0]["id"]
    people = ((evaluator, STAFF_PASSWORD), (office["anna"]["email"], office["anna"]["password"]))
    for email, password in people:
        async with client_for(app) as other:
            await sign_in(other, email, password)
            for url in (
                "/verwaltung/antraege",
                f"/verwaltung/antraege/{application_id}",
                f"/verwaltung/antraege/{application_id}/formalpruefung",
            ):
                assert (await other.get(url)).status_code == 404, (email, url)
