"""The portal's Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit: texts a
programme manager sets with a reason (audited), shown escaped; until then the page says the
text is missing instead of showing one the authority never gave. Only managers may set them."""

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.applications_factories import applicant
from tests.factories import staff_headers

URL = "/api/programmes/frl-lifd/pages"


@pytest.mark.parametrize("path", ["/impressum", "/datenschutz", "/barrierefreiheit"])
async def test_a_page_not_set_says_so(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Dieser Text ist noch nicht hinterlegt" in page.text
    assert "noch nicht bestätigt" in page.text  # the guideline's authority data: assumptions
    assert (await client.get(f"{URL}/{path.strip('/')}")).json()["text"] is None


async def test_a_manager_sets_the_text_which_is_shown_escaped_and_audited(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    text = "Sächsische Aufbaubank – Förderbank –\nPirnaische Straße 9\n\n<script>x</script> Absatz"
    first = await client.put(
        f"{URL}/impressum", json={"text": text, "reason": "Erstfassung"}, headers=manager
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    again = await client.put(
        f"{URL}/impressum", json={"text": text + ".", "reason": "Tippfehler"}, headers=manager
    )
    assert again.json()["version"] == 2
    page = (await client.get("/impressum")).text
    assert "Sächsische Aufbaubank – Förderbank –<br>Pirnaische Straße 9" in page
    assert "&lt;script&gt;x&lt;/script&gt; Absatz." in page and "<script>x" not in page
    assert "noch nicht hinterlegt" not in page
    assert "noch nicht hinterlegt" in (await client.get("/datenschutz")).text  # its own text
    async with db_session.begin():
        reasons = (
            (
                await db_session.execute(
                    sa.text(
                        "SELECT after->>'reason' FROM audit_log "
                        "WHERE action = 'programme_page_set' ORDER BY seq"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert reasons == ["Erstfassung", "Tippfehler"]


async def test_only_managers_set_a_text_and_bad_input_is_named(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    body = {"text": "x", "reason": "y"}
    anna = await applicant(client)
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    assert (await client.put(f"{URL}/impressum", json=body)).status_code == 401
    for headers in (anna["headers"], evaluator):
        assert (await client.put(f"{URL}/impressum", json=body, headers=headers)).status_code == 403
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    no_reason = await client.put(f"{URL}/impressum", json={"text": "x"}, headers=manager)
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    unknown = await client.put(f"{URL}/agb", json=body, headers=manager)
    assert unknown.status_code in (400, 422) and "kind" in unknown.text
    elsewhere = await client.put(
        "/api/programmes/keins/pages/impressum", json=body, headers=manager
    )
    assert elsewhere.status_code == 404
    assert (await client.get("/impressum?programm=keins")).status_code == 404
    async with db_session.begin():
        assert await db_session.scalar(sa.text("SELECT count(*) FROM programme_pages")) == 0
