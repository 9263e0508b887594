"""The managers' ranking page over HTTP, on the ranked call of the evaluation tests (mobile
line, budget 1,000,000: A 600,000 funded, B 500,000 does not fit and waits, C 300,000 fits,
D below the thresholds): the funding line between the proposed and the rest as the API
ranks them, the what-if (another budget: B moves in, C out) as a page and as the fragment
the script asks for, writing nothing; bad scenario input named at its field; exports; and
only managers reach any of it."""

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.roles import StaffRole
from grants.settings import Settings
from tests.api.evaluation.scoring_helpers import ranked_call
from tests.api.web.test_account_pages import sign_in
from tests.conftest import client_for
from tests.evaluation_factories import closing_app
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock

URL = "/verwaltung/rangliste/demo"


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return closing_app(settings, session_factory, clock)


@pytest.fixture
async def ranked(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    """The ranked call, and a programme manager signed in on the portal (``client``)."""
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        call = await ranked_call(api, db_session, clock)
        await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    await sign_in(client, email, STAFF_PASSWORD)
    return call


def _references(call: dict[str, Any], *keys: str) -> list[str]:
    return [call["apps"][key]["reference_number"] for key in keys]


async def _audit_entries(db_session: AsyncSession) -> int:
    async with db_session.begin():
        return int((await db_session.execute(sa.text("SELECT count(*) FROM audit_log"))).scalar())


async def test_the_ranking_with_the_funding_line(
    client: httpx.AsyncClient, ranked: dict[str, Any]
) -> None:
    home = await client.get("/antraege")
    assert home.status_code == 303 and home.headers["location"] == "/verwaltung"
    start = await client.get("/verwaltung")
    assert start.status_code == 200 and f'href="{URL}?linie=mobile"' in start.text
    page = await client.get(f"{URL}?linie=mobile")
    assert page.status_code == 200, page.text
    a, b, c, d = _references(ranked, "A", "B", "C", "D")
    proposed, below = page.text.split("Unterhalb der Förderlinie")
    proposed = proposed.split("Zur Förderung vorgeschlagen</th>")[1]
    assert a in proposed and c in proposed and b not in proposed
    assert proposed.index(a) < proposed.index(c)
    assert below.index(b) < below.index(d)
    assert "Budget reicht nicht" in below and "Schwelle nicht erreicht" in below
    assert "1.000.000,00" in page.text  # the line's budget
    assert "Abweichung: Moderation" in proposed  # C's K2 from 1 to 5
    assert "Krippendorffs α" in page.text
    assert "=HYPERLINK(1)" in page.text  # shown as text, escaped like any title
    assert "Im Szenario" not in page.text


async def test_the_what_if_shows_who_moves_and_writes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, ranked: dict[str, Any]
) -> None:
    a, b, c = _references(ranked, "A", "B", "C")
    before = await _audit_entries(db_session)
    page = await client.get(f"{URL}?linie=mobile&budget=1.100.000")
    assert page.status_code == 200, page.text
    moved_in = page.text.split("Rücken in die Förderung (1)")[1].split("</ul>")[0]
    moved_out = page.text.split("Fallen aus der Förderung (1)")[1].split("</ul>")[0]
    assert b in moved_in and c in moved_out and a not in moved_in + moved_out
    assert "Im Szenario" in page.text
    # The fragment the page's script asks for while one types: the result alone.
    fragment = await client.get(
        f"{URL}?linie=mobile&budget=1.100.000", headers={"X-Fragment": "was-waere-wenn"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith("<section") and "<html" not in fragment.text
    assert b in fragment.text.split("Rücken in die Förderung (1)")[1]
    # A higher minimum total: C (60 points) falls below it.
    stricter = await client.get(f"{URL}?linie=mobile&mindestpunktzahl=70")
    assert c in stricter.text.split("Fallen aus der Förderung (1)")[1].split("</ul>")[0]
    assert await _audit_entries(db_session) == before
    # The ranking itself is as it was.
    again = await client.get(f"{URL}?linie=mobile")
    proposed = again.text.split("Unterhalb der Förderlinie")[0]
    assert c in proposed and b not in proposed


async def test_bad_scenario_input_is_named_at_its_field(
    client: httpx.AsyncClient, ranked: dict[str, Any]
) -> None:
    page = await client.get(f"{URL}?linie=mobile&budget=viel&mindest-K5=9")
    assert page.status_code == 422
    assert 'id="budget"' in page.text and 'aria-invalid="true"' in page.text
    assert 'href="#budget"' in page.text and 'href="#mindest-K5"' in page.text
    assert "0 bis 5" in page.text
    negative = await client.get(f"{URL}?linie=mobile&budget=-5")
    assert negative.status_code == 422 and 'href="#budget"' in negative.text
    # The ranking is still shown beside the refused scenario.
    assert _references(ranked, "A")[0] in page.text


async def test_unknown_calls_and_lines(client: httpx.AsyncClient, ranked: dict[str, Any]) -> None:
    assert (await client.get("/verwaltung/rangliste/gibt-es-nicht")).status_code == 404
    assert (await client.get(f"{URL}?linie=unterwasser")).status_code == 422
    assert (await client.get(f"{URL}/export/pdf")).status_code == 404


async def test_exports(client: httpx.AsyncClient, ranked: dict[str, Any]) -> None:
    csv = await client.get(f"{URL}/export/csv?linie=mobile")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="rangliste-demo.csv"' in csv.headers["content-disposition"]
    for reference in _references(ranked, "A", "B", "C", "D"):
        assert reference in csv.text
    # A title starting with "=" is no formula in a spreadsheet.
    assert "=HYPERLINK" not in csv.text.replace("'=HYPERLINK", "")
    xlsx = await client.get(f"{URL}/export/xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


async def test_only_managers_reach_the_ranking(
    app: Litestar, db_session: AsyncSession, ranked: dict[str, Any]
) -> None:
    evaluator = f"gutachter.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        await staff_headers(api, db_session, StaffRole.EVALUATOR, email=evaluator)
    account = ranked["applicant_account"]
    for email, password in ((evaluator, STAFF_PASSWORD), (account["email"], account["password"])):
        async with client_for(app) as other:
            await sign_in(other, email, password)
            for url in ("/verwaltung", f"{URL}?linie=mobile", f"{URL}/export/csv"):
                response = await other.get(url)
                assert response.status_code == 404, (email, url)
                assert _references(ranked, "A")[0] not in response.text
