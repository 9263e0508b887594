"""The formal application's page in Chromium: axe-core finds no serious or critical
violation, with open points and with errors, and it fits 320 px. Reaching an invited
application takes the evaluation's steps with a clock moved past the deadline, which the
browser tests' own server (real clock) cannot; so the page is rendered by the app in process,
on the test database, exactly as it answers a signed-in applicant, and the browser loads it
at the portal's own origin (its styles and script from the running portal)."""

import asyncio
from typing import Any

from playwright.sync_api import Browser, Route
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from grants.settings import as_asyncpg_url
from tests.api.evaluation.scoring_helpers import ranked_call
from tests.api.web.test_account_pages import PASSWORD, post_form, sign_in
from tests.awards_factories import step
from tests.browser.conftest import AXE, WCAG, _in_thread
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import closing_app
from tests.fakes import FakeClock


def _rendered_formal_pages(database_url: str) -> dict[str, str]:
    async def build() -> dict[str, str]:
        engine = create_async_engine(as_asyncpg_url(database_url), poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                transaction = await connection.begin()
                factory = async_sessionmaker(
                    bind=connection,
                    class_=AsyncSession,
                    expire_on_commit=False,
                    join_transaction_mode="create_savepoint",
                )
                clock = FakeClock()
                app = closing_app(make_settings(database_url), factory, clock)
                pages: dict[str, str] = {}
                async with client_for(app) as api, factory() as db_session:
                    call = await ranked_call(api, db_session, clock)
                    a = call["apps"]["A"]["id"]
                    await api.put(
                        f"/api/evaluation/decisions/{a}",
                        json={"recommendation": "recommended", "reason": "Jury"},
                        headers=call["manager"],
                    )
                    await step(api, call["manager"], a, "invite")
                    async with client_for(app) as portal:
                        await sign_in(portal, call["applicant_account"]["email"], PASSWORD)
                        url = f"/antraege/{a}/antrag"
                        pages["empty"] = (await portal.get(url)).text
                        await post_form(
                            portal,
                            url,
                            {"version": "0", "year-1-fiscal_year": "2027", "bank_iban": "DE00"},
                        )
                        pages["open points"] = (await portal.get(url)).text
                await transaction.rollback()
                return pages
        finally:
            await engine.dispose()

    return asyncio.run(build())


def _check(browser: Browser, portal_url: str, html: str, **context: Any) -> tuple[list[Any], int]:
    opened = browser.new_context(bypass_csp=True, locale="de-DE", **context)
    try:
        page = opened.new_page()

        def fulfil(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        page.route(f"{portal_url}/antrag-vorschau", fulfil)
        page.goto(f"{portal_url}/antrag-vorschau")
        page.add_script_tag(content=AXE)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
        )
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        return serious, int(page.evaluate("document.documentElement.scrollWidth"))
    finally:
        opened.close()


def test_the_formal_application_page_is_accessible_and_fits_320_pixels(
    browser: Browser, portal_url: str, database_url: str
) -> None:
    pages = _in_thread(lambda: _rendered_formal_pages(database_url))
    assert "Förmlicher Antrag" in pages["empty"]
    assert "offen" in pages["open points"]
    for name, html in pages.items():
        serious, _ = _check(browser, portal_url, html)
        assert serious == [], (name, serious)
        _, width = _check(browser, portal_url, html, viewport={"width": 320, "height": 640})
        assert width <= 320, (name, width)
