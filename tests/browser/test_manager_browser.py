"""The programme managers' pages in Chromium, on the review portal's mobile line (budget
1,000,000: 600,000 at 100 points funded, 500,000 at 80 does not fit, 300,000 at 60 fits):
the ranking with the funding line; the what-if typed by keyboard only, its result shown
while typing (no button pressed) and the address updated; then submitted for the whole
page; and every manager page type passes axe-core and fits 320 px."""

import secrets
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.review_portal import STAFF_PASSWORD, ReviewPortal
from tests.browser.test_applicant_journey_browser import _press, _serious, _type

MANAGER = "leitung@sab.example"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    yield opened
    opened.close()


def sign_in_as_manager(page: Page, review: ReviewPortal) -> None:
    page.goto(f"{review.url}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(MANAGER)
    page.get_by_label("Passwort").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/verwaltung")


def _group(page: Page, heading: str) -> str:
    return page.locator("tbody", has_text=heading).inner_text()


def test_the_ranking_and_a_live_what_if_by_keyboard(
    context: BrowserContext, review: ReviewPortal
) -> None:
    page = context.new_page()
    sign_in_as_manager(page, review)
    demo = page.locator("section", has=page.get_by_role("heading", name="Demo-Aufruf", exact=False))
    demo.get_by_role("link", name="Rangliste: Mobil", exact=False).click()
    page.wait_for_url("**/rangliste/demo?linie=mobile")
    proposed = _group(page, "Zur Förderung vorgeschlagen")
    assert "Mobil Erzgebirge" in proposed and "Mobil Lausitz" in proposed
    assert "Mobil Vogtland" not in proposed
    screenshot(page, "manager-ranking")

    # Keyboard only: into the budget field, type, and the result appears without a click.
    _type(page, "budget", "1.100.000")
    result = page.locator("#was-waere-wenn-ergebnis")
    expect(result).to_contain_text("Rücken in die Förderung (1)", timeout=10_000)
    moved_in = result.locator("ul").first.inner_text()
    assert "Platz 2" in moved_in
    assert "Fallen aus der Förderung (1)" in result.inner_text()
    assert "budget=1.100.000" in page.url.replace("%2E", ".")
    screenshot(page, "manager-whatif")
    _press(page, "Simulieren")
    assert page.get_by_role("columnheader", name="Im Szenario").is_visible()
    # Nothing was saved: the ranking without the scenario is the same as before.
    page.goto(f"{review.url}/verwaltung/rangliste/demo?linie=mobile")
    assert "Mobil Vogtland" not in _group(page, "Zur Förderung vorgeschlagen")


Check = Callable[[Page, str], None]


def _visit_every_page_type(page: Page, review: ReviewPortal, check: Check) -> None:
    sign_in_as_manager(page, review)
    check(page, "manager home")
    base = f"{review.url}/verwaltung/rangliste/demo"
    page.goto(f"{base}?linie=mobile")
    check(page, "ranking")
    page.goto(f"{base}?linie=mobile&budget=1.100.000&mindestpunktzahl=70")
    check(page, "ranking with a scenario")
    page.goto(f"{base}?linie=mobile&budget=viel&mindest-K5=9")
    check(page, "ranking with scenario errors")
    page.goto(f"{base}?linie=stationary")
    check(page, "ranking of another line")
    page.goto(f"{review.url}/verwaltung/antraege")
    check(page, "applications")
    page.goto(f"{review.url}/verwaltung/antraege?suche=Mobil&stand=in_review")
    check(page, "applications, filtered")
    application = review.applications["Mobil Erzgebirge"]
    page.goto(f"{review.url}/verwaltung/antraege/{application}")
    check(page, "application file with score sheets")
    page.goto(f"{review.url}/verwaltung/antraege/{application}/formalpruefung")
    check(page, "formal check")
    page.get_by_label("Unterlagen oder Angaben nachfordern").check()
    page.get_by_role("button", name="Formalprüfung speichern").click()
    check(page, "formal check (errors)")
    page.goto(f"{review.url}/verwaltung/zuordnung/demo?linie=mobile")
    check(page, "assignment board")
    page.goto(f"{review.url}/verwaltung/zuordnung/demo?linie=stationary")
    check(page, "assignment board with declines and conflicts")
    page.goto(f"{review.url}/verwaltung/protokoll")
    check(page, "audit log")
    page.get_by_role("button", name="Ganzes Protokoll jetzt prüfen").click()
    check(page, "audit log, checked")
    page.goto(f"{review.url}/verwaltung/protokoll?person={MANAGER}")
    check(page, "audit log, one person")
    _visit_the_jury(page, review, check)


def _submit(page: Page, button: str) -> None:
    """Click a form's button and wait for the page it leads to (a 303 and its target)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _visit_the_jury(page: Page, review: ReviewPortal, check: Check) -> None:
    jury = f"{review.url}/verwaltung/jury/frl-lifd/demo"
    page.goto(jury)
    check(page, "jury")
    for name, role in (("Vorsitz", "chair"), ("Mitglied Zwei", "member"), ("Drei", "member")):
        page.get_by_label("Name", exact=True).fill(f"{name} {secrets.token_hex(2)}")
        page.get_by_label("Rolle").select_option(role)
        _submit(page, "Aufnehmen")
    _submit(page, "Sitzung planen")
    check(page, "jury (errors)")
    page.get_by_label("Ort").fill("SAB Dresden")
    page.get_by_label("Datum").fill("2031-05-10")
    page.get_by_label("Uhrzeit (Europe/Berlin)").fill("10:00")
    _submit(page, "Sitzung planen")
    check(page, "jury sitting, planned")
    _submit(page, "Sitzung eröffnen")
    _submit(page, "Auf die Tagesordnung setzen")
    check(page, "jury sitting, open, with an item")
    _submit(page, "Abstimmung zu TOP 1 festhalten")
    check(page, "jury sitting, a vote refused")
    _submit(page, "Sitzung schließen")
    check(page, "jury sitting, closed, with minutes")


def test_no_serious_or_critical_violation_on_any_manager_page(
    browser: Browser, review: ReviewPortal
) -> None:
    context = browser.new_context(bypass_csp=True, locale="de-DE")
    found: dict[str, object] = {}

    def check(page: Page, name: str) -> None:
        violations = _serious(page)
        if violations:
            found[name] = violations

    try:
        _visit_every_page_type(context.new_page(), review, check)
    finally:
        context.close()
    assert found == {}, found


def test_every_manager_page_fits_a_320_pixel_screen(browser: Browser, review: ReviewPortal) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="de-DE")
    too_wide: dict[str, int] = {}

    def check(page: Page, name: str) -> None:
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        if width > 320:
            too_wide[name] = width

    try:
        _visit_every_page_type(context.new_page(), review, check)
    finally:
        context.close()
    assert too_wide == {}, too_wide
