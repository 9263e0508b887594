"""The evaluator's pages in Chromium, on a portal with two applications in review
(``review_portal``): an evaluator gives one assignment back with a declared conflict of
interest and scores the other by mouse; another scores by keyboard only; two tabs of one
sheet (the older one's save is a conflict that keeps its input); and every page type of the
evaluator passes axe-core (no serious or critical violation) and fits 320 px."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import screenshot
from tests.browser.review_portal import (
    ALPHA,
    BETA,
    CODES,
    STAFF_PASSWORD,
    ReviewPortal,
    api_sheet,
    assign,
)
from tests.browser.test_applicant_journey_browser import _press, _radio, _serious, _type


def _id(review: ReviewPortal, name: str) -> str:
    return review.staff[f"{name}@sab.example"]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    yield opened
    opened.close()


def sign_in_as(page: Page, review: ReviewPortal, name: str) -> None:
    page.goto(f"{review.url}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(f"{name}@sab.example")
    page.get_by_label("Passwort").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/begutachtung")


def _score_by_mouse(page: Page, points: int, text: str) -> None:
    for code in CODES:
        page.locator(f"#punkte-{code}-{points}").check()
        page.get_by_label(f"Begründung {code}").fill(f"{text} ({code})")


def test_an_evaluator_gives_one_back_and_scores_the_other(
    context: BrowserContext, review: ReviewPortal
) -> None:
    alpha = assign(review, _id(review, "eva"), review.applications[ALPHA], "pending")
    beta = assign(review, _id(review, "eva"), review.applications[BETA], "pending")
    page = context.new_page()
    sign_in_as(page, review, "eva")
    assert page.get_by_role("heading", name="Noch zu beantworten (2)").is_visible()
    screenshot(page, "evaluator-assignments")

    page.get_by_role("link", name=ALPHA).click()
    page.get_by_role("link", name="Zuordnung abgeben oder Befangenheit anzeigen").click()
    page.get_by_label("Besorgnis der Befangenheit nach § 21 VwVfG", exact=False).check()
    page.get_by_label("Grund", exact=True).fill("Ich berate den Trägerverein ehrenamtlich.")
    page.get_by_role("button", name="Zuordnung abgeben").click()
    page.wait_for_url("**/begutachtung?abgegeben")
    assert page.get_by_text("Die Zuordnung ist abgegeben.").is_visible()
    assert page.get_by_role("link", name=ALPHA).count() == 0

    page.get_by_role("link", name=BETA).click()
    assert page.get_by_role("heading", name="Das Vorhaben").is_visible()
    page.get_by_role("button", name="Zuordnung annehmen").click()
    page.wait_for_url(f"**/begutachtung/{beta}")
    _score_by_mouse(page, 4, "Schlüssig dargelegt")
    page.get_by_role("button", name="Entwurf speichern").click()
    page.wait_for_url("**?gespeichert")
    assert page.locator("#punkte-K3-4").is_checked()
    screenshot(page, "evaluator-sheet")
    page.get_by_role("button", name="Bewertung einreichen").click()
    page.wait_for_url(f"**/begutachtung/{beta}")
    assert page.get_by_role("heading", name="Ihre Bewertung (eingereicht)").is_visible()
    assert page.get_by_text("80,00", exact=False).first.is_visible()
    sheet = api_sheet(review, "eva@sab.example", beta)
    assert sheet["status"] == "submitted" and sheet["total"] == "80.00"
    assert sheet["scores"][4]["justification"] == "Schlüssig dargelegt (K5)"
    screenshot(page, "evaluator-submitted")
    # The declared conflict is on record: the assignment is gone for good.
    assert page.goto(f"{review.url}/begutachtung/{alpha}").status == 404  # type: ignore[union-attr]


def test_scoring_by_keyboard_only(context: BrowserContext, review: ReviewPortal) -> None:
    assignment = assign(review, _id(review, "karl"), review.applications[BETA], "pending")
    page = context.new_page()
    sign_in_as(page, review, "karl")
    page.goto(f"{review.url}/begutachtung/{assignment}")
    _press(page, "Zuordnung annehmen")
    for number, code in enumerate(CODES):
        points = 2 + number % 3  # 2, 3, 4, 2, 3, 4
        _radio(page, f"punkte-{code}", f"punkte-{code}-{points}")
        _type(page, f"begruendung-{code}", f"Per Tastatur begründet ({code}).")
    _press(page, "Bewertung einreichen")
    assert page.get_by_role("heading", name="Ihre Bewertung (eingereicht)").is_visible()
    sheet = api_sheet(review, "karl@sab.example", assignment)
    assert sheet["status"] == "submitted"
    assert [s["score"] for s in sheet["scores"]] == [2, 3, 4, 2, 3, 4]


def test_two_tabs_of_one_sheet(context: BrowserContext, review: ReviewPortal) -> None:
    assignment = assign(review, _id(review, "tina"), review.applications[ALPHA], "accepted")
    url = f"{review.url}/begutachtung/{assignment}"
    first = context.new_page()
    sign_in_as(first, review, "tina")
    first.goto(url)
    second = context.new_page()
    second.goto(url)
    first.locator("#punkte-K1-5").check()
    first.get_by_label("Begründung K1").fill("Aus dem ersten Tab.")
    first.get_by_role("button", name="Entwurf speichern").click()
    first.wait_for_url("**?gespeichert")
    second.locator("#punkte-K1-1").check()
    second.get_by_label("Begründung K1").fill("Aus dem zweiten Tab.")
    second.get_by_role("button", name="Entwurf speichern").click()
    alert = second.get_by_role("alert")
    assert "an anderer Stelle gespeichert" in alert.inner_text()
    assert "K1 Standort und lokale Verankerung" in alert.inner_text()
    assert second.get_by_label("Begründung K1").input_value() == "Aus dem zweiten Tab."
    assert api_sheet(review, "tina@sab.example", assignment)["scores"][0]["score"] == 5
    screenshot(second, "evaluator-conflict")


Check = Callable[[Page, str], None]


def _visit_every_page_type(
    context: BrowserContext, review: ReviewPortal, name: str, check: Check
) -> None:
    pending = assign(review, _id(review, name), review.applications[ALPHA], "pending")
    accepted = assign(review, _id(review, name), review.applications[BETA], "accepted")
    base = f"{review.url}/begutachtung"
    page = context.new_page()
    sign_in_as(page, review, name)
    check(page, "assignments")
    page.goto(f"{base}/{pending}")
    check(page, "pending assignment")
    page.goto(f"{base}/{pending}/abgeben")
    check(page, "decline form")
    page.get_by_role("button", name="Zuordnung abgeben").click()
    check(page, "decline form (errors)")
    page.goto(f"{base}/{accepted}")
    check(page, "score sheet")
    other = context.new_page()
    other.goto(f"{base}/{accepted}")
    page.locator("#punkte-K1-3").check()
    page.get_by_role("button", name="Entwurf speichern").click()
    page.wait_for_url("**?gespeichert")
    check(page, "score sheet (saved)")
    other.locator("#punkte-K2-3").check()
    other.get_by_role("button", name="Entwurf speichern").click()
    check(other, "score sheet (conflict)")
    other.close()
    page.goto(f"{base}/{accepted}")
    page.get_by_role("button", name="Bewertung einreichen").click()
    check(page, "score sheet (errors)")
    _score_by_mouse(page, 3, "Begründet")
    page.get_by_role("button", name="Bewertung einreichen").click()
    page.wait_for_url(f"**/begutachtung/{accepted}")
    check(page, "score sheet (submitted, with the others' sheets)")


def test_no_serious_or_critical_violation_on_any_evaluator_page(
    browser: Browser, review: ReviewPortal
) -> None:
    context = browser.new_context(bypass_csp=True, locale="de-DE")
    found: dict[str, object] = {}

    def check(page: Page, name: str) -> None:
        violations = _serious(page)
        if violations:
            found[name] = violations

    try:
        _visit_every_page_type(context, review, "axel", check)
    finally:
        context.close()
    assert found == {}, found


def test_every_evaluator_page_fits_a_320_pixel_screen(
    browser: Browser, review: ReviewPortal
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="de-DE")
    too_wide: dict[str, int] = {}

    def check(page: Page, name: str) -> None:
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        if width > 320:
            too_wide[name] = width

    try:
        _visit_every_page_type(context, review, "zoe", check)
    finally:
        context.close()
    assert too_wide == {}, too_wide
