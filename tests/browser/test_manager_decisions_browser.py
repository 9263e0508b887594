"""The decision pages and the budget dashboard in Chromium: axe-core finds no serious or
critical violation and each fits 320 px. Reaching a decision takes the whole procedure with
a clock moved past the deadline, which the browser tests' own server (real clock) cannot;
so, as for the formal application, the pages are rendered by the app in process on the
test database, exactly as they answer a signed-in manager, and Chromium loads them at the
portal's own origin (its styles and script from the running portal)."""

import asyncio
import re
import uuid
from datetime import timedelta

from playwright.sync_api import Browser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from grants.core.roles import StaffRole
from grants.settings import as_asyncpg_url
from tests.api.awards.test_proof_pages import submitted_final
from tests.api.web.test_account_pages import form_token, sign_in
from tests.awards_factories import (
    INSTALMENTS_A,
    PROGRAMME,
    budgets,
    decided_call,
    notified_award,
)
from tests.browser.conftest import _in_thread
from tests.browser.test_formal_application_browser import _check
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import closing_app
from tests.factories import STAFF_PASSWORD, staff_headers
from tests.fakes import FakeClock


def _rendered_decision_pages(database_url: str) -> dict[str, str]:
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
                    call = await decided_call(api, db_session, clock)
                    await budgets(
                        api, call["manager"], dict.fromkeys((2027, 2028, 2029), "1000000.00")
                    )
                    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
                    await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
                    a = call["apps"]["A"]["id"]
                    async with client_for(app) as portal:
                        await sign_in(portal, email, STAFF_PASSWORD)
                        file = f"/verwaltung/antraege/{a}"
                        pages["application file with the drafting form"] = (
                            await portal.get(file)
                        ).text
                        token = await form_token(portal, file)
                        refused = await portal.post(
                            f"{file}/bescheide", data={"_csrf_token": token}
                        )
                        pages["drafting form (errors)"] = refused.text
                        form = {"_csrf_token": token, "art": "approval"}
                        for n, i in enumerate(INSTALMENTS_A, start=1):
                            form |= {
                                f"rate-{n}-jahr": str(i["fiscal_year"]),
                                f"rate-{n}-betrag": i["amount"],
                            }
                        created = await portal.post(f"{file}/bescheide", data=form)
                        url = created.headers["location"]
                        draft = await portal.get(url)
                        pages["decision draft"] = draft.text
                        version = re.search(r'name="version" value="(\d+)"', draft.text)
                        assert version
                        wrong = await portal.post(
                            f"{url}/erlassen",
                            data={
                                "_csrf_token": token,
                                "version": version.group(1),
                                "passwort": "x",
                            },
                        )
                        pages["decision release (errors)"] = wrong.text
                        released = await portal.post(
                            f"{url}/erlassen",
                            data={
                                "_csrf_token": token,
                                "version": version.group(1),
                                "bestaetigt": "ja",
                                "passwort": STAFF_PASSWORD,
                            },
                        )
                        pages["decision released"] = (
                            await portal.get(released.headers["location"])
                        ).text
                        ordered = await portal.post(
                            f"/verwaltung/briefe/{PROGRAMME}/demo", data={"_csrf_token": token}
                        )
                        pages["letter batch"] = (await portal.get(ordered.headers["location"])).text
                        pages["budget dashboard"] = (
                            await portal.get(f"/verwaltung/uebersicht/{PROGRAMME}")
                        ).text
                        pages["budget dashboard, one year"] = (
                            await portal.get(
                                f"/verwaltung/uebersicht/{PROGRAMME}?haushaltsjahr=2027"
                            )
                        ).text
                await transaction.rollback()
                return pages
        finally:
            await engine.dispose()

    return asyncio.run(build())


def _rendered_payment_pages(database_url: str) -> dict[str, str]:
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
                    award = await notified_award(api, db_session, clock)
                    today = award["today"]
                    requested = await api.post(
                        f"/api/applications/{award['a']}/payment-requests",
                        json={
                            "fiscal_year": today.year,
                            "amount": "50000.00",
                            "purpose": "Zwei Lastenräder",
                            "needed_by": str(today + timedelta(days=30)),
                            "costs_due": "100000.00",
                            "own_funds_used": "20000.00",
                        },
                        headers=award["applicant"],
                    )
                    payment = requested.json()["id"]
                    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
                    await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
                    async with client_for(app) as portal:
                        await sign_in(portal, email, STAFF_PASSWORD)
                        file = f"/verwaltung/antraege/{award['a']}"
                        pages["application file with decision and payments"] = (
                            await portal.get(file)
                        ).text
                        url = f"/verwaltung/mittelabrufe/{payment}"
                        page = await portal.get(url)
                        pages["payment request"] = page.text
                        token = await form_token(portal, url)
                        version = re.search(r'name="version" value="(\d+)"', page.text)
                        assert version
                        refused = await portal.post(
                            f"{url}/pruefen",
                            data={"_csrf_token": token, "version": version.group(1)},
                        )
                        pages["payment request (errors)"] = refused.text
                        proof = await submitted_final(api, award)
                        pages["proof of use"] = (
                            await portal.get(f"/verwaltung/nachweise/{proof}")
                        ).text
                        samples = f"/verwaltung/stichprobe/{PROGRAMME}/demo"
                        refused_draw = await portal.post(
                            samples, data={"_csrf_token": token, "anteil": "10"}
                        )
                        pages["sample (errors)"] = refused_draw.text
                await transaction.rollback()
                return pages
        finally:
            await engine.dispose()

    return asyncio.run(build())


def test_payment_pages_are_accessible_and_fit_320_pixels(
    browser: Browser, portal_url: str, database_url: str
) -> None:
    pages = _in_thread(lambda: _rendered_payment_pages(database_url))
    assert "Abruf 1" in pages["application file with decision and payments"]
    assert 'href="#passwort"' in pages["payment request (errors)"]
    assert "Belegliste" in pages["proof of use"] and "Nicht ausgeführt" in pages["sample (errors)"]
    for name, html in pages.items():
        serious, _ = _check(browser, portal_url, html)
        assert serious == [], (name, serious)
        _, width = _check(browser, portal_url, html, viewport={"width": 320, "height": 640})
        assert width <= 320, (name, width)


def test_decision_and_dashboard_pages_are_accessible_and_fit_320_pixels(
    browser: Browser, portal_url: str, database_url: str
) -> None:
    pages = _in_thread(lambda: _rendered_decision_pages(database_url))
    assert "Bescheid Nr. 1" in pages["decision draft"]
    assert "Passwort stimmt nicht" in pages["decision release (errors)"]
    assert "Der Bescheid ist erlassen" in pages["decision released"]
    assert pages["budget dashboard"].count('class="portal-chart"') == 5
    for name, html in pages.items():
        serious, _ = _check(browser, portal_url, html)
        assert serious == [], (name, serious)
        _, width = _check(browser, portal_url, html, viewport={"width": 320, "height": 640})
        assert width <= 320, (name, width)
