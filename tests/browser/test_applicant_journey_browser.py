"""The applicant's journey in real Chromium, from registration to the receipt: once with the
mouse, once by keyboard only; two tabs editing one draft; and every page type of the journey
(its error states included) without a serious or critical axe-core violation, at 320 px
without sideways scrolling."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.attachment_files import PNG, pdf
from tests.browser.conftest import (
    AXE,
    PASSWORD,
    Portal,
    mail_token,
    register_applicant,
    screenshot,
    sign_in,
)
from tests.browser.conftest import WCAG as AXE_TAGS


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    yield opened
    opened.close()


def _register_through_the_pages(page: Page, portal: Portal, email: str) -> None:
    page.goto(f"{portal.url}/registrieren")
    page.get_by_label("Ihr Name").fill("Anna Beispiel")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung)").fill(PASSWORD)
    page.get_by_label("Name der Organisation").fill("Digitallabor Annaberg e.V.")
    page.get_by_label("Rechtsform").fill("eingetragener Verein")
    page.get_by_label("Art der Organisation").select_option("nonprofit")
    page.get_by_label("Straße und Hausnummer").fill("Markt 1")
    page.get_by_label("Postleitzahl").fill("09456")
    page.get_by_label("Ort", exact=True).fill("Annaberg-Buchholz")
    page.get_by_label("Gemeinde (Sitz)").select_option("14521530")
    page.get_by_role("button", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )
    # The e-mail's link: the code after "#", moved into the form by the portal's script.
    token = mail_token(portal, email, "registration_confirmation")
    page.goto(f"{portal.url}/registrieren/bestaetigen#token={token}")
    expect(page.get_by_label("Bestätigungscode")).to_have_value(token)
    assert "#token" not in page.url  # taken out of the address bar (and the history)
    page.get_by_role("button", name="Registrierung abschließen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrierung abgeschlossen")
    page.get_by_role("link", name="Zur Anmeldung").click()


def _fill_the_proposal(page: Page) -> None:
    page.get_by_label("Kurzbeschreibung").fill("Eine offene Werkstatt im alten Bahnhof")
    page.get_by_label("Gemeinde des Vorhabens").select_option("14521530")
    page.get_by_label("Geplanter Beginn").fill("2027-03-01")
    page.get_by_label("Geplantes Ende").fill("2028-03-31")
    page.locator("#objectives input").first.check()
    page.get_by_role("button", name="Speichern und weiter").click()
    for label in (
        "Ausgangslage",
        "Ziele des Vorhabens",
        "Maßnahmen und Zeitplan",
        "Zielgruppen",
        "Nachhaltigkeit und Verstetigung nach Förderende",
        "Vernetzung und Partner",
    ):
        page.get_by_label(label, exact=True).fill(f"{label}: beschrieben")
    page.get_by_role("button", name="Speichern und weiter").click()
    page.get_by_label("brutto (mit Umsatzsteuer)").check()
    page.get_by_label("Kostenart, Zeile 1").select_option("equipment")
    page.get_by_label("Beschreibung, Zeile 1").fill("3D-Drucker und Lasercutter")
    page.get_by_label("Betrag, Zeile 1").fill("12.500,00")
    page.get_by_label("Beantragte Zuwendung in Euro").fill("10.000,00")
    page.get_by_label("Eigenmittel in Euro").fill("2.500,00")
    page.get_by_role("button", name="Speichern und weiter").click()
    page.get_by_label("Name").fill("Oberschule Annaberg")
    page.get_by_role("button", name="Speichern und weiter").click()
    for box in (
        "subsidy_relevant_facts_acknowledged",
        "not_started_declared",
        "data_protection_acknowledged",
    ):
        page.locator(f"#{box}").check()
    page.locator("#economic_activity-2").check()  # nein
    page.locator("#vat_deduction-1").check()  # nein
    page.get_by_role("button", name="Speichern und weiter").click()


def test_from_registration_to_the_receipt(context: BrowserContext, portal: Portal) -> None:
    page = context.new_page()
    email = "journey@digitallabor.example"
    _register_through_the_pages(page, portal, email)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Anträge")
    page.get_by_role("link", name="Neue Projektskizze beginnen").click()
    page.get_by_label("Förderaufruf").select_option("demo")
    page.get_by_label("Förderlinie").select_option("stationary")
    page.get_by_label("Titel des Vorhabens").fill("Makerspace im Bahnhof")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Makerspace im Bahnhof")
    page.get_by_role("link", name="Entwurf bearbeiten").click()
    _fill_the_proposal(page)

    expect(page.get_by_role("heading", level=2, name="Unterlagen")).to_be_visible()
    page.get_by_label("Konzept der Projektskizze (Pflicht)", exact=True).set_input_files(
        files=[{"name": "Konzept.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    page.get_by_role("button", name="Hochladen: Konzept der Projektskizze (Pflicht)").click()
    expect(page.get_by_role("status")).to_contain_text("Hochgeladen: Konzept.pdf")
    page.get_by_role("link", name="Weiter zu Prüfen und einreichen").click()
    screenshot(page, "draft-check")
    for box in page.locator("input[name=acknowledged_rules]").all():
        box.check()
    page.get_by_role("button", name="Projektskizze verbindlich einreichen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eingegangen: ")
    expect(page.locator("main")).to_contain_text("Uhr")
    screenshot(page, "receipt")
    page.get_by_role("link", name="Meine Anträge").click()
    expect(page.get_by_role("table")).to_contain_text("Eingereicht")
    screenshot(page, "dashboard")


# --- keyboard only -----------------------------------------------------------------------


def _tab_to(page: Page, predicate: str, what: str, limit: int = 300) -> None:
    """Tab (only Tab) until the focused element satisfies the JavaScript ``predicate`` on
    ``el``; fail when it cannot be reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        script = f"(() => {{ const el = document.activeElement; return {predicate}; }})()"
        if page.evaluate(script):
            return
    summary = page.locator(".portal-error-summary")
    errors = summary.inner_text() if summary.count() else ""
    pytest.fail(f"{what} cannot be reached by Tab on {page.url} {errors}")


def _field(page: Page, field_id: str) -> None:
    _tab_to(page, f"el.id === {field_id!r}", f"#{field_id}")


def _type(page: Page, field_id: str, text: str) -> None:
    _field(page, field_id)
    page.keyboard.type(text)


def _choose(page: Page, field_id: str, typed: str, value: str) -> None:
    """A closed select chooses by typing the start of an option's text, as in any browser."""
    _field(page, field_id)
    page.keyboard.type(typed)
    assert page.evaluate("document.activeElement.value") == value, field_id


def _press(page: Page, button: str) -> None:
    _tab_to(page, f"el.textContent.trim() === {button!r}", f"the button {button!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _radio(page: Page, name: str, option_id: str) -> None:
    """Tab into the radio group (onto its checked option), then arrow keys to the option."""
    _tab_to(page, f"el.name === {name!r}", f"the radio group {name}")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == option_id:
            assert page.evaluate("document.activeElement.checked")
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{option_id} cannot be chosen by arrow keys")


def _tick(page: Page, field_id: str) -> None:
    _field(page, field_id)
    page.keyboard.press("Space")


def _date_keys(page: Page, iso: str) -> str:
    """What to type into a date field: its parts in the order this browser shows them
    (TT.MM.JJJJ in a German Chromium; the test's may run with another default language),
    found by typing a probe into the pre-check's date field in a page of its own."""
    probe = page.context.new_page()
    try:
        probe.goto(page.url.split("/antraege", 1)[0] + "/vorab-check")
        probe.focus("#planned_start")
        probe.keyboard.type("01022027")
        day_first = probe.input_value("#planned_start") == "2027-02-01"
    finally:
        probe.close()
    year, month, day = iso.split("-")
    return f"{day}{month}{year}" if day_first else f"{month}{day}{year}"


def _keyboard_proposal(page: Page) -> None:
    _type(page, "summary", "Offene Werkstatt")
    _choose(page, "municipality_key", "Schneeberg", "14521530")
    _type(page, "planned_start", _date_keys(page, "2027-03-01"))
    _type(page, "planned_end", _date_keys(page, "2028-03-31"))
    assert page.input_value("#planned_end") == "2028-03-31"
    _tick(page, page.locator("#objectives input").first.get_attribute("id") or "")
    _press(page, "Speichern und weiter")
    for name in (
        "initial_situation",
        "goals",
        "measures",
        "target_groups",
        "sustainability",
        "cooperation",
    ):
        _type(page, name, "beschrieben")
    _press(page, "Speichern und weiter")
    _radio(page, "cost_amounts", "cost_amounts-1")
    first_category = page.locator("#cost-1-category option").nth(1)
    _choose(
        page,
        "cost-1-category",
        first_category.inner_text()[:6],
        first_category.get_attribute("value") or "",
    )
    _type(page, "cost-1-description", "Werkbank")
    _type(page, "cost-1-amount", "12.500,00")
    _type(page, "requested_grant", "10.000,00")
    _type(page, "own_funds", "2.500,00")
    _press(page, "Speichern und weiter")
    _press(page, "Speichern und weiter")  # no partners
    for box in (
        "subsidy_relevant_facts_acknowledged",
        "not_started_declared",
        "data_protection_acknowledged",
    ):
        _tick(page, box)
    _radio(page, "economic_activity", "economic_activity-2")  # nein
    _radio(page, "vat_deduction", "vat_deduction-1")  # nein
    _press(page, "Speichern und weiter")
    page.wait_for_url("**/unterlagen")


def _keyboard_registration(page: Page, portal: Portal, email: str) -> None:
    """Registration and its confirmation, by Tab, typing, arrow keys and Enter only."""
    page.goto(f"{portal.url}/")
    _tab_to(page, "el.getAttribute('href') === '/registrieren'", "the registration link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/registrieren")
    for field, text in (
        ("display_name", "Kai Tastatur"),
        ("email", email),
        ("password", PASSWORD),
        ("password_repeat", PASSWORD),
        ("legal_name", "Tastaturwerk e.V."),
        ("legal_form", "eingetragener Verein"),
    ):
        _type(page, field, text)
    _choose(page, "applicant_type", "Gemein", "nonprofit")
    _type(page, "street", "Markt 1")
    _type(page, "postal_code", "08289")
    _type(page, "city", "Schneeberg")
    _choose(page, "municipality_key", "Schneeberg", "14521530")
    _press(page, "Registrieren")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )
    token = mail_token(portal, email, "registration_confirmation")
    page.goto(f"{portal.url}/registrieren/bestaetigen#token={token}")
    _press(page, "Registrierung abschließen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrierung abgeschlossen")
    _tab_to(page, "el.textContent.trim() === 'Zur Anmeldung'", "the sign-in link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/anmelden")


def test_the_same_journey_by_keyboard_only(context: BrowserContext, portal: Portal) -> None:
    page = context.new_page()
    email = "tastatur@digitallabor.example"
    _keyboard_registration(page, portal, email)
    _type(page, "email", email)
    _type(page, "password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/antraege")
    _tab_to(page, "el.textContent.trim() === 'Neue Projektskizze beginnen'", "the new-draft link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/antraege/neu")
    _choose(page, "call", "Demo", "demo")
    _choose(page, "funding_line", "Stat", "stationary")
    _type(page, "title", "Werkstatt per Tastatur")
    _press(page, "Entwurf anlegen")
    _tab_to(page, "el.textContent.trim() === 'Entwurf bearbeiten'", "the edit link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bearbeiten/grunddaten")

    _keyboard_proposal(page)
    _field(page, "file-concept")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(
        files=[{"name": "Konzept.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    _press(page, "Hochladen: Konzept der Projektskizze (Pflicht)")
    expect(page.get_by_role("status")).to_contain_text("Hochgeladen: Konzept.pdf")
    _tab_to(page, "el.textContent.trim() === 'Weiter zu Prüfen und einreichen'", "the check link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bearbeiten/pruefen")
    for box in page.locator("input[name=acknowledged_rules]").all():
        _tick(page, box.get_attribute("id") or "")
    _press(page, "Projektskizze verbindlich einreichen")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eingegangen: ")


# --- two tabs ----------------------------------------------------------------------------


def _new_draft(page: Page, portal: Portal, title: str) -> str:
    page.goto(f"{portal.url}/antraege/neu")
    page.get_by_label("Förderaufruf").select_option("demo")
    page.get_by_label("Förderlinie").select_option("stationary")
    page.get_by_label("Titel des Vorhabens").fill(title)
    page.get_by_role("button", name="Entwurf anlegen").click()
    page.wait_for_url("**/antraege/*-*")
    return page.url.rsplit("/", 1)[1]


def test_two_tabs_editing_one_draft(context: BrowserContext, portal: Portal) -> None:
    first = context.new_page()
    sign_in(first, portal, register_applicant(portal))
    application_id = _new_draft(first, portal, "Zwei Tabs")
    step = f"{portal.url}/antraege/{application_id}/bearbeiten/grunddaten"
    second = context.new_page()
    first.goto(step)
    second.goto(step)
    first.get_by_label("Titel des Vorhabens").fill("Fassung aus Tab 1")
    first.get_by_role("button", name="Speichern", exact=True).click()
    expect(first.get_by_role("status")).to_contain_text("Gespeichert")

    second.get_by_label("Titel des Vorhabens").fill("Fassung aus Tab 2")
    second.get_by_label("Kurzbeschreibung").fill("nur in Tab 2")
    second.get_by_role("button", name="Speichern", exact=True).click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("an anderer Stelle geändert")
    expect(alert).to_contain_text("Titel des Vorhabens")
    expect(second.get_by_label("Titel des Vorhabens")).to_have_value("Fassung aus Tab 2")
    expect(second.get_by_label("Kurzbeschreibung")).to_have_value("nur in Tab 2")
    assert second.evaluate("document.activeElement.id") == "" or second.evaluate(
        "document.activeElement.classList.contains('portal-error-summary')"
    )
    screenshot(second, "draft-conflict")
    first.reload()
    expect(first.get_by_label("Titel des Vorhabens")).to_have_value("Fassung aus Tab 1")

    second.get_by_role("button", name="Speichern", exact=True).click()  # deliberately over
    expect(second.get_by_role("status")).to_contain_text("Gespeichert")
    first.reload()
    expect(first.get_by_label("Titel des Vorhabens")).to_have_value("Fassung aus Tab 2")


# --- every page type: axe-core and 320 px -------------------------------------------------


def _serious(page: Page) -> list[tuple[str, str, list[object]]]:
    page.add_script_tag(content=AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


Check = Callable[[Page, str], None]


def _visit_every_page_type(page: Page, portal: Portal, check: Check) -> None:
    base = portal.url
    for path in (
        "/anmelden",
        "/registrieren",
        "/registrieren/bestaetigen",
        "/passwort-vergessen",
        "/einladung",
        "/passwort-neu",  # last: its empty form is sent next
    ):
        page.goto(base + path)
        check(page, path)
    page.get_by_role("button", name="Passwort speichern").click()
    check(page, "/passwort-neu (errors)")
    page.goto(base + "/registrieren")
    page.get_by_role("button", name="Registrieren").click()
    check(page, "/registrieren (errors)")
    page.goto(base + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill("niemand@example.org")
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    check(page, "/anmelden (wrong password)")

    sign_in(page, portal, register_applicant(portal))
    check(page, "/antraege (empty)")
    page.goto(base + "/antraege/neu")
    check(page, "/antraege/neu")
    page.get_by_role("button", name="Entwurf anlegen").click()
    check(page, "/antraege/neu (errors)")
    application_id = _new_draft(page, portal, "Barrierefrei")
    check(page, "/antraege/{id}")
    for step in ("grunddaten", "konzept", "kosten", "partner", "erklaerungen", "pruefen"):
        page.goto(f"{base}/antraege/{application_id}/bearbeiten/{step}")
        check(page, f"step {step}")
    page.goto(f"{base}/antraege/{application_id}/bearbeiten/kosten")
    page.get_by_label("Betrag, Zeile 1").fill("viel")
    page.get_by_role("button", name="Speichern", exact=True).click()
    check(page, "step kosten (errors)")
    page.goto(f"{base}/antraege/{application_id}/unterlagen")
    check(page, "uploads")
    page.get_by_label("Konzept der Projektskizze (Pflicht)", exact=True).set_input_files(
        files=[{"name": "bild.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Hochladen: Konzept der Projektskizze (Pflicht)").click()
    check(page, "uploads (refused)")
    page.goto(f"{base}/antraege/00000000-0000-0000-0000-000000000001")
    check(page, "not found")
    page.goto(base + "/antraege")
    check(page, "/antraege (one draft)")
    page.goto(base + "/organisation")
    check(page, "organisation")
    page.get_by_label("Postleitzahl").fill("1")
    page.get_by_role("button", name="Stammdaten speichern").click()
    check(page, "organisation (errors)")


def test_no_serious_or_critical_violation_on_any_page_of_the_journey(
    browser: Browser, portal: Portal
) -> None:
    context = browser.new_context(bypass_csp=True, locale="de-DE")
    found: dict[str, object] = {}

    def check(page: Page, name: str) -> None:
        violations = _serious(page)
        if violations:
            found[name] = violations

    try:
        _visit_every_page_type(context.new_page(), portal, check)
    finally:
        context.close()
    assert found == {}, found


def test_every_page_of_the_journey_fits_a_320_pixel_screen(
    browser: Browser, portal: Portal
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="de-DE")
    too_wide: dict[str, int] = {}

    def check(page: Page, name: str) -> None:
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        if width > 320:
            too_wide[name] = width

    try:
        _visit_every_page_type(context.new_page(), portal, check)
    finally:
        context.close()
    assert too_wide == {}, too_wide


# --- what the script adds ----------------------------------------------------------------


def test_autosave_keeps_typing_and_stops_at_a_newer_version(
    context: BrowserContext, portal: Portal
) -> None:
    first = context.new_page()
    sign_in(first, portal, register_applicant(portal))
    application_id = _new_draft(first, portal, "Autosave")
    step = f"{portal.url}/antraege/{application_id}/bearbeiten/grunddaten"
    first.goto(step)
    first.get_by_label("Kurzbeschreibung").fill("automatisch gespeichert, ohne Klick")
    status = first.locator("[data-autosave-status]")
    expect(status).to_contain_text("Automatisch gespeichert um", timeout=10_000)
    second = context.new_page()
    second.goto(step)  # a second tab sees what the first saved by itself
    expect(second.get_by_label("Kurzbeschreibung")).to_have_value(
        "automatisch gespeichert, ohne Klick"
    )
    second.get_by_label("Titel des Vorhabens").fill("aus Tab 2")
    expect(second.locator("[data-autosave-status]")).to_contain_text("Automatisch gespeichert")

    first.get_by_label("Titel des Vorhabens").fill("aus Tab 1, nicht überschreibend")
    expect(status).to_contain_text("an anderer Stelle geändert", timeout=10_000)
    expect(first.get_by_label("Titel des Vorhabens")).to_have_value(
        "aus Tab 1, nicht überschreibend"
    )
    second.reload()
    expect(second.get_by_label("Titel des Vorhabens")).to_have_value("aus Tab 2")
    # The button then shows what differs, as without the script.
    first.get_by_role("button", name="Speichern", exact=True).click()
    expect(first.get_by_role("alert")).to_contain_text("Titel des Vorhabens")


def test_the_cost_plan_adds_up_while_typing(context: BrowserContext, portal: Portal) -> None:
    page = context.new_page()
    sign_in(page, portal, register_applicant(portal))
    application_id = _new_draft(page, portal, "Summen")
    page.goto(f"{portal.url}/antraege/{application_id}/bearbeiten/kosten")
    page.get_by_label("Betrag, Zeile 1").fill("12.500,00")
    page.get_by_label("Betrag, Zeile 2").fill("2500")
    page.get_by_label("Beantragte Zuwendung in Euro").fill("10.000")
    total = page.locator("[data-total-of=cost]")
    expect(total).to_contain_text("Summe der Kosten: 15.000,00 €")
    expect(total).to_contain_text("Differenz zu den Kosten: -5.000,00 €")
    page.get_by_label("Eigenmittel in Euro").fill("5.000,00")
    expect(total).to_contain_text("ausgeglichen")
