"""The public pages in real Chromium: an applicant-to-be finds the open call, runs the
pre-check and reads each rule's outcome; the same by keyboard only; a wrong entry is named at
the top with a link that puts the cursor into the field; every page type passes axe-core's
WCAG 2.1 A/AA rules without a serious or critical violation and fits a 320 px screen."""

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations, screenshot

FILLED = {
    "guideline": "frl-lifd",
    "pruefen": "1",
    "call": "demo",
    "funding_line": "stationary",
    "applicant_type": "nonprofit",
    "municipality_key": "14521530",
    "objectives": "a",
    "planned_start": "2027-03-01",
    "planned_end": "2028-03-31",
    "economic_activity": "nein",
    "cost-1-category": "equipment",
    "cost-1-description": "3D-Drucker",
    "cost-1-amount": "12.500,00",
    "requested_grant": "8.000,00",
    "own_funds": "4.500,00",
}
PAGES = {
    "start": "/",
    "rules": "/richtlinien/frl-lifd",
    "precheck-empty": "/vorab-check",
    "precheck-result": f"/vorab-check?{urlencode(FILLED)}",
    "precheck-errors": f"/vorab-check?{urlencode({**FILLED, 'cost-1-amount': 'viel'})}",
    "not-found": "/richtlinien/keine",
    "impressum": "/impressum",
    "datenschutz": "/datenschutz",
    "barrierefreiheit": "/barrierefreiheit",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violation(
    browser: Browser, portal_url: str, name: str
) -> None:
    violations = axe_violations(browser, portal_url + PAGES[name])
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], serious


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_a_320_pixel_screen(browser: Browser, portal_url: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="de-DE")
    try:
        narrow = context.new_page()
        narrow.goto(portal_url + PAGES[name])
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{name}: {width} px wide"
        screenshot(narrow, f"{name}-320px")
    finally:
        context.close()


def test_from_the_start_page_to_a_pre_check_result(page: Page, portal_url: str) -> None:
    page.goto(portal_url + "/")
    expect(page).to_have_title("Start – Förderportal")
    screenshot(page, "start")
    page.get_by_role("link", name="Vorab-Check für „Demo-Aufruf (zum Ausprobieren)“").click()
    expect(page.get_by_label("Förderaufruf")).to_have_value("demo")
    page.get_by_label("Stationärer LIfD").check()
    page.get_by_label("Art der Antragstellerin / des Antragstellers").select_option("nonprofit")
    page.get_by_label("Gemeinde des Vorhabens").select_option("14521530")
    page.locator("#objectives input").first.check()
    page.get_by_label("Geplanter Beginn").fill("2027-03-01")
    page.get_by_label("Geplantes Ende").fill("2028-03-31")
    page.get_by_label("Kostenart, Zeile 1").select_option("equipment")
    page.get_by_label("Beschreibung, Zeile 1").fill("Lasercutter")
    page.get_by_label("Betrag, Zeile 1").fill("12.500,00")
    page.get_by_label("Beantragte Zuwendung in Euro").fill("8.000,00")
    page.get_by_label("Eigenmittel in Euro").fill("4.500,00")
    page.get_by_role("button", name="Vorhaben prüfen").click()
    expect(page.get_by_role("heading", name="Die Voraussetzungen im Einzelnen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("erfüllt nach Ihren Angaben")
    expect(page.get_by_role("table").first).to_contain_text("FRL LIfD")
    expect(page.get_by_label("Betrag, Zeile 1")).to_have_value("12.500,00")  # kept
    screenshot(page, "precheck-result")


def test_a_wrong_entry_is_named_and_its_link_leads_into_the_field(
    page: Page, portal_url: str
) -> None:
    page.goto(portal_url + PAGES["precheck-errors"])
    expect(page).to_have_title("Fehler: Vorab-Check FRL LIfD – Förderportal")
    summary = page.get_by_role("alert").first
    expect(summary).to_contain_text("Kostenplan, Zeile 1: Betrag")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "cost-1-amount"
    field = page.locator("#cost-1-amount")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("viel")
    screenshot(page, "precheck-errors")


def test_the_pre_check_by_keyboard_only(page: Page, portal_url: str) -> None:
    page.goto(portal_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
    # On to the demo call's pre-check link, by Tab alone.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href') || ''").endswith("call=demo"):
            break
    else:
        pytest.fail("the demo call's pre-check link cannot be reached by Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/vorab-check?**")
    # Every field is reachable; submit by Enter on the button without touching the mouse.
    page.focus("#call")
    reached = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert {"municipality_key", "cost-1-amount", "requested_grant"} <= reached
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("alert").first).to_contain_text("Bitte prüfen Sie")  # empty form


def test_english_by_the_header_link_and_back(page: Page, portal_url: str) -> None:
    page.goto(portal_url + "/vorab-check")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(portal_url + "/vorab-check")  # the same page, now in English
    expect(page.get_by_role("button", name="Check the project")).to_be_visible()
    page.get_by_role("link", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="Vorhaben prüfen")).to_be_visible()
