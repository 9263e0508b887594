"""English, switchable: the language link sets a cookie and returns to the page (never to
another host); pages then speak English from the catalogue — layout, forms, labels, the
rules' own English texts, status and next step — with ``lang="en"``; German again on the
way back. Formats stay German (amounts, dates), as the issue asks."""

from urllib.parse import urlencode

import httpx
from litestar import Litestar

from tests.api.web.test_account_pages import PASSWORD, sign_in
from tests.api.web.test_applicant_pages import _new_draft
from tests.api.web.test_public_pages import VALID, _query
from tests.conftest import client_for
from tests.factories import register

GERMAN_ONLY = ("Zum Inhalt springen", "Anmelden", "Förderaufrufe", "Vorab prüfen", "Abmelden")


async def english(client: httpx.AsyncClient, back_to: str = "/") -> None:
    switched = await client.get(f"/sprache/en?{urlencode({'next': back_to})}")
    assert switched.status_code == 303
    assert switched.headers["location"] == back_to
    cookie = switched.headers["set-cookie"]
    assert cookie.startswith("grants_lang=en") and "HttpOnly" in cookie and "SameSite=lax" in cookie


async def test_the_start_page_in_english_and_back(client: httpx.AsyncClient) -> None:
    await english(client)
    page = (await client.get("/")).text
    assert '<html lang="en">' in page
    assert "Funding programmes" in page and "Skip to content" in page and "Pre-check" in page
    assert "Submission deadline" in page and " Uhr" in page  # German formats kept
    for german in GERMAN_ONLY:
        assert german not in page, german
    assert 'href="/sprache/de?next=/"' in page and 'lang="de"' in page
    back = await client.get("/sprache/de?next=/")
    assert back.status_code == 303
    assert '<html lang="de">' in (await client.get("/")).text


async def test_the_pre_check_result_uses_the_rules_own_english(client: httpx.AsyncClient) -> None:
    await english(client)
    page = (await client.get(f"/vorab-check?{_query(VALID)}")).text
    assert "The requirements one by one" in page and "Possible grant" in page
    assert "Cost category, row 1" in page
    assert "erfüllt</td>" not in page and ">met</td>" in page
    german_rule = (await client.get("/richtlinien/frl-lifd")).text
    assert "Requirements: FRL LIfD" in german_rule and "Section:" in german_rule


async def test_errors_and_the_dashboard_in_english(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    async with client_for(app) as api:
        created = await register(api)
    await sign_in(client, created["email"], PASSWORD)
    await english(client, "/antraege")
    await _new_draft(client, "Makerspace")
    dashboard = (await client.get("/antraege")).text
    assert "My applications" in dashboard and "Signed in as" in dashboard
    assert ">Draft<" in dashboard  # the status label's own English
    assert "Complete the draft and submit it before the deadline" in dashboard
    page = await client.get("/vorab-check?guideline=frl-lifd&pruefen=1")
    assert page.status_code == 422
    assert "Please check" in page.text and "Call:" in page.text


async def test_the_language_link_never_leaves_the_site(client: httpx.AsyncClient) -> None:
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = await client.get(f"/sprache/en?{urlencode({'next': target})}")
        assert response.headers["location"] == "/"
    unknown = await client.get("/sprache/xx?next=/")
    assert unknown.status_code == 303 and "set-cookie" not in unknown.headers
