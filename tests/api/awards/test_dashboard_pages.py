"""The budget dashboard's page over HTTP, on the state the dashboard API's tests build (A
approved, C approved in part, a payment, a refund and a de-commitment): every chart an SVG
with a title and a description, each beside its table, and the tables' figures the API's;
filters narrowing them; CSV and XLSX downloads; a bad fiscal year named; only managers."""

import io
import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
from litestar import Litestar
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.web.templating import euro
from tests.api.awards.test_dashboard_api import URL, awarded, call  # noqa: F401 (fixtures)
from tests.api.web.test_account_pages import form_token, sign_in
from tests.awards_factories import PROGRAMME
from tests.conftest import client_for
from tests.factories import STAFF_PASSWORD, staff_headers

PAGE = f"/verwaltung/uebersicht/{PROGRAMME}"


async def portal_manager(app: Litestar, api: httpx.AsyncClient, db_session: AsyncSession) -> str:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    return email


async def test_the_dashboard_page_shows_the_apis_figures_as_charts_and_tables(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    awarded: dict[str, Any],  # noqa: F811
) -> None:
    api = (await client.get(URL, headers=awarded["manager"])).json()
    email = await portal_manager(app, client, db_session)
    async with client_for(app) as browser:
        await sign_in(browser, email, STAFF_PASSWORD)
        page = await browser.get(PAGE)
    assert page.status_code == 200, page.text
    html = page.text
    charts = re.findall(r'<svg class="portal-chart"[^>]*role="img" aria-labelledby="([^"]+)"', html)
    assert len(charts) == 5
    for labelled in charts:
        title, description = labelled.split()
        assert f'<title id="{title}">' in html and f'<desc id="{description}">' in html
    # Patterns, not colour alone: every bar is filled with a pattern.
    assert 'fill="url(#grafik-budget-schraffur)"' in html
    for row in api["awards_by_district"]:
        assert row["district"] in html and euro(Decimal(row["committed"])) in html
    for row in api["budget"]["rows"]:
        assert euro(Decimal(row["free"])) in html
    for month in api["series"]:
        assert f'<th class="kern-table__cell" scope="row">{month["month"]}</th>' in html
    assert html.count('scope="row">') >= len(api["pipeline"]) + len(api["budget"]["rows"])


async def test_filters_downloads_and_bad_input(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    awarded: dict[str, Any],  # noqa: F811
) -> None:
    narrowed = (await client.get(f"{URL}?fiscal_year=2028", headers=awarded["manager"])).json()
    email = await portal_manager(app, client, db_session)
    async with client_for(app) as browser:
        await sign_in(browser, email, STAFF_PASSWORD)
        page = await browser.get(f"{PAGE}?haushaltsjahr=2028")
        assert page.status_code == 200
        rows = page.text.split('id="budget-tabelle"')[1].split("<tbody")[1].split("</tbody>")[0]
        assert rows.count("<tr") == len(narrowed["budget"]["rows"]) and "2027 ·" not in rows
        csv = await browser.get(f"{PAGE}/csv/districts?haushaltsjahr=2028")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert (
            'filename="dashboard-frl-lifd-2028-districts.csv"' in csv.headers["content-disposition"]
        )
        for row in narrowed["awards_by_district"]:
            assert row["district"] in csv.content.decode("utf-8-sig")
        xlsx = await browser.get(f"{PAGE}/xlsx")
        assert xlsx.status_code == 200
        sheets = load_workbook(io.BytesIO(xlsx.content), read_only=True).sheetnames
        assert len(sheets) >= 5
        assert (await browser.get(f"{PAGE}/csv/gehaelter")).status_code == 404
        bad = await browser.get(f"{PAGE}?haushaltsjahr=1999")
        assert bad.status_code == 422 and "Haushaltsjahr" in bad.text
        assert (await browser.get(f"{PAGE}?aufruf=gibt-es-nicht")).status_code == 422
        assert (await browser.get("/verwaltung/uebersicht/keine-richtlinie")).status_code == 404


async def test_only_managers_see_the_dashboard_page(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    awarded: dict[str, Any],  # noqa: F811
) -> None:
    evaluator = f"gutachter.{uuid.uuid4().hex[:6]}@sab.example"
    await staff_headers(client, db_session, StaffRole.EVALUATOR, email=evaluator)
    account = awarded["applicant_account"]
    for email, password in ((evaluator, STAFF_PASSWORD), (account["email"], account["password"])):
        async with client_for(app) as other:
            await sign_in(other, email, password)
            for url in (PAGE, f"{PAGE}/csv/budget", f"{PAGE}/xlsx"):
                assert (await other.get(url)).status_code == 404, (email, url)


async def test_a_budget_set_on_the_page(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    awarded: dict[str, Any],  # noqa: F811
) -> None:
    email = await portal_manager(app, client, db_session)
    async with client_for(app) as browser:
        await sign_in(browser, email, STAFF_PASSWORD)
        token = await form_token(browser, PAGE)
        form = {
            "_csrf_token": token,
            "ebene": "",
            "haushaltsjahr_budget": "2030",
            "ansatz": "2.500.000,00",
            "ve": "",
            "grund": "Haushaltsplan 2029/2030",
        }
        missing = await browser.post(f"{PAGE}/budget", data={**form, "grund": ""})
        assert missing.status_code == 422 and 'href="#grund"' in missing.text
        bad = await browser.post(f"{PAGE}/budget", data={**form, "ansatz": "viel"})
        assert bad.status_code == 422 and 'href="#ansatz"' in bad.text
        done = await browser.post(f"{PAGE}/budget", data=form)
        assert done.status_code == 303, done.text
        shown = await browser.get(done.headers["location"])
        assert "Das Budget ist festgesetzt" in shown.text and "2030 · Programm" in shown.text
        # A line cannot get more than its call has free.
        too_much = await browser.post(
            f"{PAGE}/budget",
            data={**form, "ebene": "demo:mobile", "haushaltsjahr_budget": "2027",
                  "ansatz": "99.000.000,00"},
        )  # fmt: skip
        assert too_much.status_code == 422 and 'href="#ebene"' in too_much.text
    api = (await client.get(URL, headers=awarded["manager"])).json()
    [row] = [
        r for r in api["budget"]["rows"] if r["level"] == "programme" and r["fiscal_year"] == 2030
    ]
    assert row["cash_appropriation"] == "2500000.00"
