"""The applicant's pages over HTTP: the dashboard, a new draft, an application's status and
history — through the applications feature's own services, so another organisation's
application is a 404 here as in the API, and every page needs a live sign-in."""

import re
import uuid

import httpx
import pytest
from litestar import Litestar

from tests.api.web.test_account_pages import PASSWORD, post_form, sign_in
from tests.conftest import client_for
from tests.factories import register


async def _signed_in_applicant(
    app: Litestar, client: httpx.AsyncClient, **overrides: object
) -> str:
    async with client_for(app) as api:
        created = await register(api, **overrides)
    await sign_in(client, created["email"], PASSWORD)
    return str(created["organisation"]["id"])


async def _new_draft(client: httpx.AsyncClient, title: str) -> str:
    response = await post_form(
        client, "/antraege/neu", {"call": "demo", "funding_line": "stationary", "title": title}
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/antraege/([0-9a-f-]{36})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def test_a_new_draft_from_the_dashboard_to_its_status_page(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await _signed_in_applicant(app, client)
    empty = await client.get("/antraege")
    assert "Noch keine Anträge" in empty.text
    assert 'href="/antraege/neu"' in empty.text

    form = await client.get("/antraege/neu")
    assert form.status_code == 200
    assert '<option value="demo"' in form.text  # an open call to choose
    application_id = await _new_draft(client, "Makerspace im Bahnhof")

    status = await client.get(f"/antraege/{application_id}")
    assert status.status_code == 200
    html = status.text
    assert '<h1 class="kern-heading-large">Makerspace im Bahnhof</h1>' in html
    assert "Entwurf" in html and "wird beim Einreichen vergeben" in html
    assert "Einreichungsfrist" in html and " Uhr" in html

    dashboard = await client.get("/antraege")
    assert f'href="/antraege/{application_id}"' in dashboard.text
    assert "Entwurf vervollständigen und vor Ablauf der Frist einreichen" in dashboard.text


async def test_a_draft_without_call_or_line_is_named_on_the_form(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await _signed_in_applicant(app, client)
    response = await post_form(
        client, "/antraege/neu", {"call": "", "funding_line": "", "title": "Werkstatt"}
    )
    assert response.status_code == 422
    assert 'id="call-fehler"' in response.text and 'id="funding_line-fehler"' in response.text
    assert 'value="Werkstatt"' in response.text  # the input kept


async def test_titles_with_markup_are_shown_as_text(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await _signed_in_applicant(app, client)
    application_id = await _new_draft(client, "<img src=x onerror=alert(1)>Labor")
    for path in ("/antraege", f"/antraege/{application_id}"):
        html = (await client.get(path)).text
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;Labor" in html


async def test_another_organisations_application_is_not_found_and_not_listed(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await _signed_in_applicant(app, client)
    theirs = await _new_draft(client, "Digitallabor Annaberg")
    async with client_for(app) as other:
        await _signed_in_applicant(app, other, organisation={"legal_name": "Andere GmbH"})
        response = await other.get(f"/antraege/{theirs}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Digitallabor Annaberg" not in response.text
        assert "Digitallabor Annaberg" not in (await other.get("/antraege")).text
        # An id that exists nowhere reads the same as one of another organisation.
        unknown = await other.get(f"/antraege/{uuid.uuid4()}")
        assert unknown.status_code == 404
        assert _without_ids(unknown.text) == _without_ids(response.text)


def _without_ids(html: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "ID", html)


@pytest.mark.parametrize(
    "path", ["/antraege", "/antraege/neu", f"/antraege/{uuid.UUID(int=1)}", "/antraege?weiter=x"]
)
async def test_every_applicant_page_asks_for_a_sign_in_first(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/anmelden?next=/antraege")


async def test_creating_a_draft_needs_a_sign_in_and_the_form_token(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    anonymous = await post_form(
        client,
        "/antraege/neu",
        {"call": "demo", "funding_line": "stationary"},
        form_page="/anmelden",
    )
    assert anonymous.status_code == 303  # to the sign-in, nothing created
    await _signed_in_applicant(app, client)
    forged = await client.post("/antraege/neu", data={"call": "demo", "funding_line": "stationary"})
    assert forged.status_code == 403
    assert "Noch keine Anträge" in (await client.get("/antraege")).text
