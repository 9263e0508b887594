"""The jury's pages over HTTP, against the API's session: members taken in, a sitting planned
and opened, the attendance recorded, an application of the ranked call on the agenda, one
member leaving for it (§ 21 VwVfG), the vote by ballot carried, the sitting closed with its
minutes fixed; a bad entry named; only managers."""

import re
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.roles import StaffRole
from grants.settings import Settings
from tests.api.evaluation.scoring_helpers import ranked_call
from tests.api.web.test_account_pages import form_token, sign_in
from tests.conftest import client_for
from tests.evaluation_factories import closing_app
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock

JURY = "/verwaltung/jury/frl-lifd/demo"
API = "/api/calls/frl-lifd/demo/jury"


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return closing_app(settings, session_factory, clock)


@pytest.fixture
async def ranked(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        call = await ranked_call(api, db_session, clock)
        await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    await sign_in(client, email, STAFF_PASSWORD)
    return call


async def post(client: httpx.AsyncClient, url: str, data: dict[str, str], page: str) -> Any:
    return await client.post(url, data={**data, "_csrf_token": await form_token(client, page)})


async def test_a_sitting_from_planning_to_the_minutes(
    app: Litestar, client: httpx.AsyncClient, ranked: dict[str, Any]
) -> None:
    # Four: with one gone for an item, three remain — § 90 Abs. 1 VwVfG wants at least three.
    people = (("Dr. Vorsitz", "chair"), ("Frau Zwei", "member"), ("Herr Drei", "member"))
    for name, role in (*people, ("Frau Vier", "member")):
        added = await post(client, f"{JURY}/mitglieder", {"name": name, "rolle": role}, JURY)
        assert added.status_code == 303, added.text
    overview = await client.get(JURY)
    assert "Dr. Vorsitz" in overview.text and "Vorsitz" in overview.text
    bad = await post(client, f"{JURY}/sitzungen", {"ort": "Dresden", "datum": "morgen"}, JURY)
    assert bad.status_code == 422 and "Nicht ausgeführt" in bad.text
    planned = await post(
        client,
        f"{JURY}/sitzungen",
        {"ort": "SAB Dresden, Raum 3", "datum": "2031-05-10", "uhrzeit": "10:00"},
        JURY,
    )
    assert planned.status_code == 303, planned.text
    url = planned.headers["location"]
    session_id = url.rsplit("/", 1)[1]
    assert (await post(client, f"{url}/eroeffnen", {}, url)).status_code == 303
    async with client_for(app) as api:
        members = (await api.get(f"{API}/members", headers=ranked["manager"])).json()
    ids = {m["name"]: m["id"] for m in members}
    for member_id in ids.values():
        present = await post(
            client, f"{url}/anwesenheit", {"mitglied": member_id, "anwesend": "ja"}, url
        )
        assert present.status_code == 303, present.text
    a = ranked["apps"]["A"]
    listed = await post(client, f"{url}/tagesordnung", {"antrag": a["id"]}, url)
    assert listed.status_code == 303, listed.text
    page = await client.get(url)
    assert a["reference_number"] in page.text
    item = re.search(r'name="punkt" value="([0-9a-f-]+)"', page.text)
    assert item, page.text
    left = await post(
        client,
        f"{url}/ausschluss",
        {
            "punkt": item.group(1),
            "mitglied": ids["Frau Zwei"],
            "grund": "bias",
            "quelle": "declared",
            "erlaeuterung": "Berät den Trägerverein.",
        },
        url,
    )
    assert left.status_code == 303, left.text
    page = await client.get(url)
    assert "Nicht mitgewirkt" in page.text and "Frau Zwei" in page.text
    assert f'name="stimme-{ids["Frau Zwei"]}"' not in page.text  # who left does not vote
    voted = await post(
        client,
        f"{url}/abstimmung",
        {
            "punkt": item.group(1),
            "antrag_beschluss": "recommended",
            f"stimme-{ids['Dr. Vorsitz']}": "yes",
            f"stimme-{ids['Herr Drei']}": "yes",
            f"stimme-{ids['Frau Vier']}": "abstain",
        },
        url,
    )
    assert voted.status_code == 303, voted.text
    page = await client.get(url)
    assert "Beschluss: zur Förderung empfehlen" in page.text
    closed = await post(client, f"{url}/schliessen", {}, url)
    assert closed.status_code == 303, closed.text
    done = await client.get(url)
    assert "SHA-256" in done.text and 'name="punkt"' not in done.text
    async with client_for(app) as api:
        found = (await api.get(f"{API}/sessions/{session_id}", headers=ranked["manager"])).json()
        minutes = await api.get(f"{API}/sessions/{session_id}/minutes", headers=ranked["manager"])
    assert found["status"] == "closed" and found["items"][0]["resolution"] == "recommended"
    assert minutes.status_code == 200 and minutes.json()["sha256"] in done.text


async def test_only_managers_reach_the_jury(app: Litestar, ranked: dict[str, Any]) -> None:
    account = ranked["applicant_account"]
    async with client_for(app) as other:
        await sign_in(other, account["email"], account["password"])
        assert (await other.get(JURY)).status_code == 404
        token = await form_token(other, "/antraege")
        posted = await other.post(f"{JURY}/mitglieder", data={"_csrf_token": token, "name": "X"})
        assert posted.status_code == 404
    async with client_for(app) as api:
        members = (await api.get(f"{API}/members", headers=ranked["manager"])).json()
    assert members == []
