"""The assignment board over HTTP, against the API's board: an application in review that
lacks evaluators is flagged; auto-assignment fills it from the pool (the outcome shown from
the numbers in the address, never text from it); a reassignment moves one application to
another evaluator; only managers."""

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.deadlines import review_due
from grants.core.roles import StaffRole
from grants.settings import Settings
from grants.web.templating import day_of
from tests.api.web.test_account_pages import form_token, sign_in
from tests.applications_factories import applicant
from tests.conftest import client_for
from tests.evaluation_factories import closing_app, evaluator, in_review, manager
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock

URL = "/verwaltung/zuordnung/demo?linie=stationary"


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return closing_app(settings, session_factory, clock)


@pytest.fixture
async def board(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        anna = await applicant(api)
        boss = await manager(api, db_session)
        pool = [await evaluator(api, db_session, boss) for _ in range(4)]
        application = await in_review(api, db_session, anna["headers"], boss, clock)
        await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    await sign_in(client, email, STAFF_PASSWORD)
    return {"application": application, "pool": pool, "boss": boss, "anna": anna}


async def api_board(app: Litestar, boss: dict[str, str]) -> Any:
    async with client_for(app) as api:
        response = await api.get(
            "/api/evaluation/assignments?call=demo&funding_line=stationary", headers=boss
        )
        assert response.status_code == 200, response.text
        return response.json()


async def test_auto_assignment_and_a_reassignment(
    app: Litestar, client: httpx.AsyncClient, clock: FakeClock, board: dict[str, Any]
) -> None:
    shown = await client.get(URL)
    assert shown.status_code == 200, shown.text
    assert "0 von 3" in shown.text and "Es fehlen noch 3 Gutachten." in shown.text
    token = await form_token(client, URL)
    done = await client.post(
        "/verwaltung/zuordnung/demo/automatisch",
        data={"_csrf_token": token, "linie": "stationary", "frist_tage": "14"},
    )
    assert done.status_code == 303, done.text
    after = await client.get(done.headers["location"])
    assert "Automatisch zugeordnet: 3 neu, 0 beibehalten, 0 entfernt." in after.text
    assert "3 von 3" in after.text and "Es fehlen noch" not in after.text
    [row] = (await api_board(app, board["boss"]))["applications"]
    assigned = {e["evaluator_id"] for e in row["evaluators"]}
    assert len(assigned) == 3
    # Due at the end of the 14th day after today, Berlin time, for each of them.
    due = {datetime.fromisoformat(e["due_at"]) for e in row["evaluators"]}
    assert due == {review_due(clock.current, 14)}
    assert f"fällig {day_of(review_due(clock.current, 14))}" in after.text
    spare = next(p["id"] for p in board["pool"] if p["id"] not in assigned)
    leaving = sorted(assigned)[0]
    moved = await client.post(
        "/verwaltung/zuordnung/demo/umverteilen",
        data={
            "_csrf_token": token,
            "linie": "stationary",
            "antrag": board["application"]["id"],
            "von": leaving,
            "an": spare,
            "grund": "Urlaub",
        },
    )
    assert moved.status_code == 303, moved.text
    [row] = (await api_board(app, board["boss"]))["applications"]
    active = {
        e["evaluator_id"] for e in row["evaluators"] if e["status"] in {"pending", "accepted"}
    }
    assert spare in active and leaving not in active
    # A crafted address shows no text of its own.
    crafted = await client.get(f"{URL}&ergebnis=Bitte+IBAN+an+x@example.org+senden")
    assert "IBAN" not in crafted.text


async def test_only_managers_reach_the_board(
    app: Litestar, db_session: AsyncSession, board: dict[str, Any]
) -> None:
    evaluator_email = f"gutachter.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        await staff_headers(api, db_session, StaffRole.EVALUATOR, email=evaluator_email)
    people = (
        (evaluator_email, STAFF_PASSWORD),
        (board["anna"]["email"], board["anna"]["password"]),
    )
    for email, password in people:
        async with client_for(app) as other:
            await sign_in(other, email, password)
            assert (await other.get(URL)).status_code == 404
            token = await form_token(other, "/")
            for action in ("automatisch", "umverteilen"):
                posted = await other.post(
                    f"/verwaltung/zuordnung/demo/{action}",
                    data={"_csrf_token": token, "linie": "stationary"},
                )
                assert posted.status_code == 404
    [row] = (await api_board(app, board["boss"]))["applications"]
    assert row["evaluators"] == []  # nothing was assigned by them
