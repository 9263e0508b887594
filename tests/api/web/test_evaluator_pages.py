"""The evaluator's pages over HTTP, against the API's own records: my assignments, accepting,
giving one back with a declared conflict of interest (recorded, the pair blocked), the score
sheet beside the proposal saved into the API's sheet, a save over a newer version (another
tab) a conflict page that keeps the input and names the criteria, submission refused with
the missing parts at their fields and the draft kept, the submitted sheet locked with the
others' anonymised sheets; another evaluator, a conflicted one, an applicant and nobody
signed in never see the proposal."""

import re
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.roles import StaffRole
from grants.evaluation.tables import conflicts_table
from grants.settings import Settings
from tests.api.evaluation.scoring_helpers import (
    CODES,
    assign,
    conflict,
    in_review,
    submitted_sheet,
)
from tests.api.web.test_account_pages import form_token, sign_in
from tests.applications_factories import applicant
from tests.conftest import client_for
from tests.evaluation_factories import closing_app, manager
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock

_VERSION = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return closing_app(settings, session_factory, clock)


async def evaluator_account(api: httpx.AsyncClient, db_session: AsyncSession) -> dict[str, Any]:
    email = f"gutachter.{uuid.uuid4().hex[:8]}@sab.example"
    headers = await staff_headers(api, db_session, StaffRole.EVALUATOR, email=email)
    me = (await api.get("/api/me", headers=headers)).json()
    return {"email": email, "headers": headers, "id": uuid.UUID(me["user"]["id"])}


@pytest.fixture
async def review(app: Litestar, db_session: AsyncSession, clock: FakeClock) -> dict[str, Any]:
    """One application in review with a pending assignment for evaluator Eva and an accepted
    one for her colleague Theo; a third evaluator without any assignment."""
    async with client_for(app) as api:
        anna = await applicant(api)
        boss = await manager(api, db_session)
        application = await in_review(api, db_session, anna["headers"], boss, clock)
        eva = await evaluator_account(api, db_session)
        theo = await evaluator_account(api, db_session)
        stranger = await evaluator_account(api, db_session)
    pending = await assign(db_session, application["id"], eva["id"], status="pending")
    theirs = await assign(db_session, application["id"], theo["id"])
    return {
        "application": application,
        "anna": anna,
        "eva": eva,
        "theo": theo,
        "stranger": stranger,
        "pending": pending,
        "theirs": theirs,
    }


async def api_sheet(app: Litestar, person: dict[str, Any], assignment_id: uuid.UUID) -> Any:
    async with client_for(app) as api:
        response = await api.get(f"/api/score-sheets/{assignment_id}", headers=person["headers"])
        assert response.status_code == 200, response.text
        return response.json()


def sheet_form(version: int, points: dict[str, int | None], text: str = "Gut belegt.") -> Any:
    form: dict[str, str] = {"version": str(version)}
    for code in CODES:
        score = points.get(code)
        form[f"punkte-{code}"] = "" if score is None else str(score)
        form[f"begruendung-{code}"] = text if score is not None else ""
    return form


async def post(client: httpx.AsyncClient, url: str, data: dict[str, Any], page: str) -> Any:
    return await client.post(url, data={**data, "_csrf_token": await form_token(client, page)})


async def test_an_evaluator_accepts_scores_and_submits(
    client: httpx.AsyncClient, app: Litestar, review: dict[str, Any]
) -> None:
    eva, pending = review["eva"], review["pending"]
    await sign_in(client, eva["email"], STAFF_PASSWORD)
    # Staff without an organisation start at their work, not at an empty applicant list.
    home = await client.get("/antraege")
    assert home.status_code == 303 and home.headers["location"] == "/begutachtung"
    listed = await client.get("/begutachtung")
    assert listed.status_code == 200
    assert review["application"]["title"] in listed.text
    assert "Noch zu beantworten (1)" in listed.text and "Angenommen (0)" in listed.text
    assert "Fällig bis" in listed.text  # written directly by the test: no due date, "–"

    url = f"/begutachtung/{pending}"
    shown = await client.get(url)
    assert shown.status_code == 200, shown.text
    assert "Zuordnung annehmen" in shown.text and 'name="punkte-K1"' not in shown.text
    # The proposal without personal data: the applicant's e-mail is nowhere on the page.
    assert review["anna"]["email"] not in shown.text
    assert "Kosten- und Finanzierungsplan" in shown.text

    accepted = await post(client, f"{url}/annehmen", {}, url)
    assert accepted.status_code == 303 and accepted.headers["location"] == url
    sheet_page = await client.get(url)
    assert 'name="punkte-K1"' in sheet_page.text
    assert "Mindestpunktzahl 2" in sheet_page.text  # K5's k.o. threshold from the rubric

    draft = sheet_form(0, {"K1": 4, "K2": 3})
    saved = await post(client, f"{url}/bewertung", {**draft, "aktion": "speichern"}, url)
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?gespeichert"
    stored = await api_sheet(app, eva, pending)
    assert stored["version"] == 1 and stored["status"] == "draft"
    assert [(s["criterion"], s["score"]) for s in stored["scores"][:3]] == [
        ("K1", 4),
        ("K2", 3),
        ("K3", None),
    ]
    assert stored["scores"][0]["justification"] == "Gut belegt."

    # Submitting an incomplete sheet: saved as a draft, refused, the gaps at their fields.
    partial = {**sheet_form(1, {"K1": 4, "K2": 3, "K3": 5}), "begruendung-K3": ""}
    refused = await post(client, f"{url}/bewertung", {**partial, "aktion": "einreichen"}, url)
    assert refused.status_code == 422, refused.text
    assert 'href="#punkte-K4"' in refused.text and 'href="#punkte-K6"' in refused.text
    assert 'href="#begruendung-K3"' in refused.text
    assert _VERSION.search(refused.text).group(1) == "2"  # type: ignore[union-attr]
    assert (await api_sheet(app, eva, pending))["scores"][2]["score"] == 5

    complete = sheet_form(2, dict.fromkeys(CODES, 4))
    done = await post(client, f"{url}/bewertung", {**complete, "aktion": "einreichen"}, url)
    assert done.status_code == 303, done.text
    final = await api_sheet(app, eva, pending)
    assert final["status"] == "submitted" and final["total"] == "80.00"
    locked = await client.get(url)
    assert "Ihre Bewertung (eingereicht)" in locked.text and "80,00" in locked.text
    assert 'name="punkte-K1"' not in locked.text
    # Locked: a form posted from an old tab changes nothing.
    again = await post(
        client, f"{url}/bewertung", {**sheet_form(4, dict.fromkeys(CODES, 1))}, "/begutachtung"
    )
    assert again.status_code == 422 and "gesperrt" in again.text
    assert (await api_sheet(app, eva, pending))["total"] == "80.00"


async def test_others_sheets_only_after_ones_own_and_without_names(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, review: dict[str, Any]
) -> None:
    eva, theo = review["eva"], review["theo"]
    await submitted_sheet(db_session, review["theirs"], review["application"]["id"], theo["id"], 2)
    url = f"/begutachtung/{review['pending']}"
    await sign_in(client, eva["email"], STAFF_PASSWORD)
    await post(client, f"{url}/annehmen", {}, url)
    before = await client.get(url)
    assert "Gutachter/in 1" not in before.text and "Begutachtung" in before.text
    complete = sheet_form(0, dict.fromkeys(CODES, 5), text="Sehr überzeugend.")
    done = await post(client, f"{url}/bewertung", {**complete, "aktion": "einreichen"}, url)
    assert done.status_code == 303, done.text
    after = await client.get(url)
    assert "Gutachter/in 1" in after.text and "Begründung" in after.text
    main = after.text.split('id="inhalt"')[1]
    assert theo["email"] not in main and "Staff evaluator" not in main


async def test_a_save_from_an_older_tab_is_a_conflict_that_keeps_the_input(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, review: dict[str, Any]
) -> None:
    eva, assignment = review["theo"], review["theirs"]
    url = f"/begutachtung/{assignment}"
    await sign_in(client, eva["email"], STAFF_PASSWORD)
    first = await post(
        client, f"{url}/bewertung", {**sheet_form(0, {"K1": 2}), "aktion": "speichern"}, url
    )
    assert first.status_code == 303
    # The second tab was opened at version 0 and changes K1 and K2.
    stale = sheet_form(0, {"K1": 5, "K2": 1}, text="Aus dem zweiten Tab.")
    clash = await post(client, f"{url}/bewertung", {**stale, "aktion": "speichern"}, url)
    assert clash.status_code == 409, clash.text
    assert "Nicht gespeichert" in clash.text and "Aus dem zweiten Tab." in clash.text
    assert "K1 Standort und lokale Verankerung" in clash.text.split("weicht ab bei")[1]
    assert (await api_sheet(app, eva, assignment))["scores"][0]["score"] == 2
    # The page now carries the stored version: saving again overwrites, deliberately.
    version = _VERSION.search(clash.text).group(1)  # type: ignore[union-attr]
    assert version == "1"
    overwrite = await post(
        client, f"{url}/bewertung", {**stale, "version": version, "aktion": "speichern"}, url
    )
    assert overwrite.status_code == 303
    assert (await api_sheet(app, eva, assignment))["scores"][0]["score"] == 5


async def test_autosave_answers_json_and_stops_at_a_newer_version(
    client: httpx.AsyncClient, app: Litestar, review: dict[str, Any]
) -> None:
    eva, assignment = review["theo"], review["theirs"]
    url = f"/begutachtung/{assignment}"
    await sign_in(client, eva["email"], STAFF_PASSWORD)
    token = await form_token(client, url)
    headers = {"X-Autosave": "1"}
    data = {**sheet_form(0, {"K3": 3}), "_csrf_token": token}
    saved = await client.post(f"{url}/bewertung", data=data, headers=headers)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = await client.post(f"{url}/bewertung", data=data, headers=headers)
    assert stale.status_code == 409 and "anderer Stelle" in stale.json()["message"]
    # An autosave never submits, whatever button the form names.
    submit = {**sheet_form(1, dict.fromkeys(CODES, 3)), "aktion": "einreichen"}
    kept = await client.post(
        f"{url}/bewertung", data={**submit, "_csrf_token": token}, headers=headers
    )
    assert kept.status_code == 200
    assert (await api_sheet(app, eva, assignment))["status"] == "draft"


async def test_giving_an_assignment_back_with_a_conflict_of_interest(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, review: dict[str, Any]
) -> None:
    eva, pending = review["eva"], review["pending"]
    url = f"/begutachtung/{pending}/abgeben"
    await sign_in(client, eva["email"], STAFF_PASSWORD)
    empty = await post(client, url, {"grund": " "}, url)
    assert empty.status_code == 422
    assert 'href="#grund"' in empty.text and 'href="#art"' in empty.text
    given = await post(client, url, {"art": "ausschluss", "grund": "Ich bin Vereinsmitglied."}, url)
    assert given.status_code == 303 and given.headers["location"] == "/begutachtung?abgegeben"
    async with db_session.begin():
        row = (
            await db_session.execute(
                sa.select(conflicts_table).where(conflicts_table.c.evaluator_id == eva["id"])
            )
        ).one()
    assert row.reason_code == "declared" and "20" in row.legal_basis
    listed = await client.get("/begutachtung?abgegeben")
    assert "abgegeben" in listed.text and review["application"]["title"] not in listed.text
    assert (await client.get(f"/begutachtung/{pending}")).status_code == 404


async def test_attachments_of_the_submitted_version_download(
    client: httpx.AsyncClient, app: Litestar, review: dict[str, Any]
) -> None:
    theo, assignment = review["theo"], review["theirs"]
    await sign_in(client, theo["email"], STAFF_PASSWORD)
    shown = await client.get(f"/begutachtung/{assignment}")
    link = re.search(rf'href="(/begutachtung/{assignment}/unterlagen/[0-9a-f-]+)"', shown.text)
    assert link, shown.text
    content = await client.get(link.group(1))
    assert content.status_code == 200 and content.content.startswith(b"%PDF-")
    missing = await client.get(f"/begutachtung/{assignment}/unterlagen/{uuid.uuid4()}")
    assert missing.status_code == 404


async def test_nobody_else_reaches_an_assignment(
    app: Litestar, db_session: AsyncSession, review: dict[str, Any]
) -> None:
    targets = [
        f"/begutachtung/{review['theirs']}",
        f"/begutachtung/{review['theirs']}/abgeben",
    ]
    # Another evaluator, the applicant, and Eva once a conflict is detected for her.
    await conflict(db_session, review["application"]["id"], review["eva"]["id"])
    people = [
        (review["stranger"]["email"], STAFF_PASSWORD),
        (review["anna"]["email"], review["anna"]["password"]),
    ]
    for email, password in people:
        async with client_for(app) as other:
            await sign_in(other, email, password)
            for url in targets:
                response = await other.get(url)
                assert response.status_code == 404, (email, url)
            token = await form_token(other, "/begutachtung" if "sab" in email else "/antraege")
            for action in ("annehmen", "bewertung", "abgeben"):
                posted = await other.post(
                    f"/begutachtung/{review['theirs']}/{action}",
                    data={
                        **sheet_form(0, {"K1": 0}),
                        "art": "sonstiges",
                        "grund": "x",
                        "_csrf_token": token,
                    },
                )
                assert posted.status_code == 404, (email, action)
    async with client_for(app) as eva:
        await sign_in(eva, review["eva"]["email"], STAFF_PASSWORD)
        assert (await eva.get(f"/begutachtung/{review['pending']}")).status_code == 404
        assert review["application"]["title"] not in (await eva.get("/begutachtung")).text
    # The applicant has no evaluator pages at all.
    async with client_for(app) as anna:
        await sign_in(anna, review["anna"]["email"], review["anna"]["password"])
        assert (await anna.get("/begutachtung")).status_code == 404
    # Nothing changed: Theo's sheet is still unstarted.
    assert (await api_sheet(app, review["theo"], review["theirs"]))["version"] == 0
