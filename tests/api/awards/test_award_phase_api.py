"""An award's phase over HTTP (derived on every read): A's approval notified a few days ago —
the objection period runs, money and reports are open; a hearing puts the hearing first.
Only the recipient's organisation and managers see it."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applications_factories import applicant
from tests.awards_factories import notified_award
from tests.fakes import FakeClock


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await notified_award(client, db_session, clock)


async def test_the_phase_and_what_keeps_the_file_open(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    a, anna, manager = award["a"], award["applicant"], award["manager"]
    url = f"/api/applications/{a}/award"
    got = await client.get(url, headers=anna)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["phase"] == "notified" and body["closed"] is False
    assert body["label"]["de"].startswith("Bekanntgegeben")
    assert (body["committed"], body["paid"]) == ("600000.00", "0.00")
    assert body["reports_owed"] >= 1 and body["reports_overdue"] == 0
    items = [i["de"] for i in body["open_items"]]
    assert "Noch auszuzahlen: 600000.00 EUR" in items
    assert "Schlussbescheid steht aus" in items

    hearing = await client.post(
        f"/api/applications/{a}/hearings",
        json={
            "measure": "revocation",
            "facts": "Die Werkstatt ist geschlossen.",
            "facts_known_on": str(award["today"]),
            "intended_grant": "0.00",
        },
        headers=manager,
    )
    assert hearing.status_code == 201, hearing.text
    assert (await client.get(url, headers=manager)).json()["phase"] == "hearing"

    stranger = (await applicant(client))["headers"]
    assert (await client.get(url, headers=stranger)).status_code == 404
    no_grant = await client.get(f"/api/applications/{award['apps']['C']['id']}/award", headers=anna)
    assert no_grant.status_code == 409
