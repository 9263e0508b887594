"""The portal's public pages over HTTP: what they show (calls with their deadline to the
second in Europe/Berlin, every rule with its section), the pre-check form judged by the
API's own model and engine, errors tied to their fields with the input kept, user text
escaped, security headers, and nothing loaded from another host."""

import re
from urllib.parse import urlencode

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.http.page_headers import CONTENT_SECURITY_POLICY
from grants.settings import Settings
from grants.web.templating import instant
from tests.conftest import client_for
from tests.fakes import FakeClock

VALID = {
    "guideline": "frl-lifd",
    "pruefen": "1",
    "call": "demo",
    "funding_line": "stationary",
    "applicant_type": "nonprofit",
    "municipality_key": "14521530",
    "planned_start": "2027-03-01",
    "planned_end": "2028-03-31",
    "economic_activity": "nein",
    "cost-1-category": "equipment",
    "cost-1-description": "3D-Drucker",
    "cost-1-amount": "12.500,00",
    "cost-3-category": "personnel",
    "cost-3-description": "Community-Management",
    "cost-3-amount": "5.000",
    "requested_grant": "10.000,00",
    "own_funds": "7.500,00",
}


def _query(values: dict[str, str], objectives: tuple[str, ...] = ("a", "e")) -> str:
    return urlencode([*values.items(), *(("objectives", o) for o in objectives)])


def _assert_page(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    # Nothing from another host: every src and href is this origin's or a fragment.
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "#")), url
    # Scripts only from this origin's static files, never inline (the CSP forbids it too).
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/portal.js" defer>'], (
        "a script other than the portal's own"
    )
    return html


async def test_the_start_page_lists_the_calls_with_their_deadline_to_the_second(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    html = _assert_page(response)
    assert "<title>Start – Förderportal</title>" in html
    for _, call in app.state.guidelines.calls():
        assert call.title.de in html
        assert instant(call.deadline_at) in html
    assert re.search(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} Uhr", html)
    assert 'href="/vorab-check?guideline=frl-lifd&amp;call=demo"' in html  # open
    assert "call=2024-1" not in html  # closed: no pre-check offered for it
    assert "Fassung vom 30.11.2023" in html


async def test_the_rules_page_cites_every_rule(client: httpx.AsyncClient, app: Litestar) -> None:
    response = await client.get("/richtlinien/frl-lifd")
    html = _assert_page(response)
    guideline = app.state.guidelines.get("frl-lifd")
    for rule in guideline.rules:
        assert f'id="regel-{rule.id}"' in html
        assert rule.citation.de in html.replace("&#34;", '"')
    missing = await client.get("/richtlinien/keine")
    assert missing.status_code == 404
    assert "Seite nicht gefunden" in _assert_page(missing)


async def test_every_field_of_the_form_has_its_label(client: httpx.AsyncClient) -> None:
    html = _assert_page(await client.get("/vorab-check"))
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert len(ids) > 40
    for field_id in ids:
        assert f'for="{field_id}"' in html, field_id
    assert 'value="14521530"' in html  # the municipality register as choices


async def test_a_complete_form_is_judged_by_the_engine_with_every_rule_cited(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    response = await client.get(f"/vorab-check?{_query(VALID)}")
    assert response.status_code == 200, response.text[:2000]
    html = _assert_page(response)
    assert "Die Voraussetzungen im Einzelnen" in html
    assert "Das Vorhaben erfüllt nach Ihren Angaben die Voraussetzungen" in html
    guideline = app.state.guidelines.get("frl-lifd")
    cited = [rule.citation.de for rule in guideline.rules if rule.citation.de in html]
    assert len(cited) >= 5
    assert "17.500,00" in html  # total costs: 12.500,00 + 5.000 (German thousands)
    assert 'value="12.500,00"' in html  # the input kept as typed


async def test_a_wrong_amount_is_named_at_its_field_and_nothing_is_lost(
    client: httpx.AsyncClient,
) -> None:
    values = {**VALID, "cost-3-amount": "zwölf", "cost-3-description": "<script>alert(1)</script>"}
    response = await client.get(f"/vorab-check?{_query(values)}")
    assert response.status_code == 422
    html = _assert_page(response)
    assert "<title>Fehler: Vorab-Check FRL LIfD – Förderportal</title>" in html
    assert 'href="#cost-3-amount">Kostenplan, Zeile 3: Betrag' in html
    field = re.search(r'<input[^>]*id="cost-3-amount"[^>]*>', html)
    assert field is not None
    assert 'aria-invalid="true"' in field[0]
    assert 'aria-describedby="cost-3-amount-fehler"' in field[0]
    assert 'value="zwölf"' in field[0]
    assert 'id="cost-3-amount-fehler"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped, never markup
    assert 'value="12.500,00"' in html and 'value="stationary" checked' in html


async def test_an_unknown_municipality_is_an_error_at_its_field(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/vorab-check?{_query({**VALID, 'municipality_key': '14999999'})}")
    assert response.status_code == 422
    html = _assert_page(response)
    assert 'href="#municipality_key">Gemeinde des Vorhabens' in html


async def test_static_files_stay_inside_their_folder(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/kern/kern.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for path in ("/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml"):
        assert (await client.get(path)).status_code == 404, path


async def test_an_unknown_address_is_the_portals_page_and_under_the_api_a_problem(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/gibt-es-nicht")
    assert page.status_code == 404
    html = _assert_page(page)
    assert "Seite nicht gefunden" in html
    api = await client.get("/api/gibt-es-nicht")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


async def test_the_pre_check_forms_limit_answers_with_a_page(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    """A person who hits the per-address limit of the pre-check form gets the portal's page
    saying so, with Retry-After, not the API's JSON problem."""
    limited = create_app(
        settings.model_copy(update={"precheck_requests_per_minute": 2}),
        session_factory=session_factory,
        clock=clock,
        configure_logs=False,
    )
    async with client_for(limited) as client:
        for _ in range(2):
            assert (await client.get("/vorab-check")).status_code == 200
        refused = await client.get("/vorab-check")
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    html = _assert_page(refused)
    assert "Zu viele Anfragen" in html
