"""The proposal form over HTTP: each step saves into the same draft the API edits, the
stored draft comes back into the form, errors keep the input and save nothing, two tabs
cannot overwrite each other unseen, rows are added and removed without JavaScript, and the
verdict of the saved draft stands beside the form."""

import re
from decimal import Decimal
from typing import Any

import httpx
from litestar import Litestar

from tests.api.web.test_account_pages import PASSWORD, form_token, sign_in
from tests.api.web.test_applicant_pages import _new_draft
from tests.attachment_files import PNG, pdf
from tests.conftest import client_for
from tests.factories import bearer, login, register

_VERSION = re.compile(r'name="version" value="(\d+)"')


async def signed_in_draft(app: Litestar, client: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    async with client_for(app) as api:
        created = await register(api)
    await sign_in(client, created["email"], PASSWORD)
    return await _new_draft(client, "Makerspace im Bahnhof"), created


async def step_form(client: httpx.AsyncClient, application_id: str, step: str) -> dict[str, str]:
    """What a browser posts back from a freshly loaded step: its token and version."""
    page = await client.get(f"/antraege/{application_id}/bearbeiten/{step}")
    assert page.status_code == 200, page.text
    version = _VERSION.search(page.text)
    assert version
    token = await form_token(client, f"/antraege/{application_id}/bearbeiten/{step}")
    return {"_csrf_token": token, "version": version.group(1)}


async def save(
    client: httpx.AsyncClient,
    application_id: str,
    step: str,
    fields: dict[str, Any],
    *,
    loaded: dict[str, str] | None = None,
    action: str = "speichern",
) -> httpx.Response:
    hidden = loaded or await step_form(client, application_id, step)
    return await client.post(
        f"/antraege/{application_id}/bearbeiten/{step}",
        data={**hidden, **fields, "aktion": action},
    )


async def api_draft(app: Litestar, created: dict[str, Any], application_id: str) -> dict[str, Any]:
    async with client_for(app) as api:
        tokens = await login(api, created["email"], PASSWORD)
        response = await api.get(f"/api/applications/{application_id}", headers=bearer(tokens))
        assert response.status_code == 200
        return dict(response.json())


async def test_every_step_saves_into_the_draft_the_api_reads(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await signed_in_draft(app, client)
    basics = {
        "title": "Makerspace im Bahnhof",
        "summary": "Eine offene Werkstatt",
        "municipality_key": "14521530",
        "planned_start": "2027-03-01",
        "planned_end": "2028-03-31",
        "objectives": ["a", "e"],
    }
    response = await save(client, application_id, "grunddaten", basics, action="weiter")
    assert response.status_code == 303
    assert response.headers["location"] == f"/antraege/{application_id}/bearbeiten/konzept"

    concept = {"initial_situation": "Kein Ort", "goals": "Ein Ort", "measures": "Umbau"}
    assert (await save(client, application_id, "konzept", concept)).status_code == 303
    costs = {
        "cost_amounts": "gross",
        "cost-1-category": "equipment",
        "cost-1-description": "3D-Drucker",
        "cost-1-amount": "12.500,00",
        "cost-3-category": "personnel",
        "cost-3-description": "Community-Management",
        "cost-3-amount": "5000",
        "requested_grant": "10.000",
        "own_funds": "7.500,00",
    }
    assert (await save(client, application_id, "kosten", costs)).status_code == 303
    partners = {"partner-1-name": "Oberschule Schneeberg", "partner-1-type": "Schule"}
    assert (await save(client, application_id, "partner", partners)).status_code == 303
    declarations = {
        "subsidy_relevant_facts_acknowledged": "ja",
        "not_started_declared": "ja",
        "data_protection_acknowledged": "ja",
        "economic_activity": "nein",
        "vat_deduction": "none",
    }
    assert (await save(client, application_id, "erklaerungen", declarations)).status_code == 303

    draft = (await api_draft(app, created, application_id))["draft"]
    assert draft["title"] == "Makerspace im Bahnhof"
    assert draft["objectives"] == ["a", "e"]
    assert draft["planned_start"] == "2027-03-01"
    assert draft["concept"]["goals"] == "Ein Ort"
    assert [(c["category"], Decimal(c["amount"])) for c in draft["cost_lines"]] == [
        ("equipment", Decimal("12500")),
        ("personnel", Decimal("5000")),
    ]
    assert {k: Decimal(v) for k, v in draft["financing"].items()} == {
        "requested_grant": Decimal("10000"),
        "own_funds": Decimal("7500"),
        "third_party_funds": Decimal("0"),
    }
    assert draft["partners"][0]["name"] == "Oberschule Schneeberg"
    assert draft["declarations"]["not_started_declared"] is True
    assert draft["declarations"]["de_minimis_declared"] is False
    assert draft["declarations"]["economic_activity"] is False

    # And back into the form: amounts in German notation, rows renumbered without gaps.
    page = (await client.get(f"/antraege/{application_id}/bearbeiten/kosten")).text
    assert 'name="cost-1-amount" type="text" value="12.500,00"' in page
    assert 'name="cost-2-amount" type="text" value="5.000,00"' in page
    assert 'name="requested_grant" type="text" value="10.000,00"' in page
    # The verdict of the saved draft beside the form.
    assert "Vorprüfung des gespeicherten Stands" in page
    assert "Zuwendung höchstens" in page
    assert "§" in page  # each rule with its section


async def test_wrong_input_is_named_kept_and_not_saved(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await signed_in_draft(app, client)
    before = await api_draft(app, created, application_id)
    response = await save(
        client,
        application_id,
        "kosten",
        {
            "cost-1-category": "equipment",
            "cost-1-description": "Lasercutter",
            "cost-1-amount": "zwölf Euro",
            "requested_grant": "zehntausend",
            "own_funds": "1000",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert "Nicht gespeichert" in html
    assert 'href="#cost-1-amount"' in html and 'id="cost-1-amount-fehler"' in html
    assert 'href="#requested_grant"' in html and "Betrag erwartet" in html
    assert 'value="zwölf Euro"' in html and 'value="Lasercutter"' in html
    after = await api_draft(app, created, application_id)
    assert after["version"] == before["version"]


async def test_two_tabs_a_conflict_names_the_fields_and_loses_nothing(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await signed_in_draft(app, client)
    first_tab = await step_form(client, application_id, "grunddaten")
    second_tab = await step_form(client, application_id, "grunddaten")
    saved = await save(
        client,
        application_id,
        "grunddaten",
        {"title": "Titel aus Tab 1", "summary": "gleich"},
        loaded=first_tab,
    )
    assert saved.status_code == 303
    conflict = await save(
        client,
        application_id,
        "grunddaten",
        {"title": "Titel aus Tab 2", "summary": "gleich"},
        loaded=second_tab,
    )
    assert conflict.status_code == 409
    html = conflict.text
    assert "an anderer Stelle geändert" in html
    assert "<li>Titel des Vorhabens</li>" in html
    assert "<li>Kurzbeschreibung</li>" not in html  # the same in both
    assert 'value="Titel aus Tab 2"' in html  # the second tab's input kept
    draft = (await api_draft(app, created, application_id))["draft"]
    assert draft["title"] == "Titel aus Tab 1"  # nothing overwritten unseen

    # Saving again from the conflict page is a deliberate overwrite of the newer version.
    newer = _VERSION.search(html)
    assert newer and int(newer.group(1)) == int(first_tab["version"]) + 1
    again = await save(
        client,
        application_id,
        "grunddaten",
        {"title": "Titel aus Tab 2", "summary": "gleich"},
        loaded={**second_tab, "version": newer.group(1)},
    )
    assert again.status_code == 303
    assert (await api_draft(app, created, application_id))["draft"]["title"] == "Titel aus Tab 2"


async def test_rows_are_added_and_removed_without_javascript(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await signed_in_draft(app, client)
    rows = {
        f"cost-{i}-{name}": value
        for i in (1, 2, 3)
        for name, value in (
            ("category", "equipment"),
            ("description", f"Gerät {i}"),
            ("amount", "100"),
        )
    }
    added = await save(client, application_id, "kosten", rows, action="zeile:cost")
    assert added.status_code == 303
    page = (await client.get(added.headers["location"])).text
    assert 'id="cost-4-amount"' in page and 'id="cost-5-amount"' not in page
    removed = await save(client, application_id, "kosten", {**rows}, action="entfernen:cost-2")
    assert removed.status_code == 303
    draft = (await api_draft(app, created, application_id))["draft"]
    assert [c["description"] for c in draft["cost_lines"]] == ["Gerät 1", "Gerät 3"]


async def test_markup_in_the_draft_is_shown_as_text_in_every_step(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, _ = await signed_in_draft(app, client)
    evil = '"><script>alert(1)</script>'
    await save(client, application_id, "grunddaten", {"title": evil, "summary": evil})
    await save(client, application_id, "konzept", {"goals": evil})
    await save(client, application_id, "partner", {"partner-1-name": evil})
    for step in ("grunddaten", "konzept", "partner", "pruefen"):
        html = (await client.get(f"/antraege/{application_id}/bearbeiten/{step}")).text
        assert "<script>alert(1)</script>" not in html, step
    assert "&lt;script&gt;" in (await client.get(f"/antraege/{application_id}")).text


async def test_another_organisation_can_neither_open_nor_save_a_step(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await signed_in_draft(app, client)
    async with client_for(app) as other:
        async with client_for(app) as api:
            stranger = await register(api)
        await sign_in(other, stranger["email"], PASSWORD)
        assert (
            await other.get(f"/antraege/{application_id}/bearbeiten/grunddaten")
        ).status_code == 404
        token = await form_token(other, "/antraege/neu")
        response = await other.post(
            f"/antraege/{application_id}/bearbeiten/grunddaten",
            data={"_csrf_token": token, "version": "1", "title": "übernommen"},
        )
        assert response.status_code == 404
        submit = await other.post(
            f"/antraege/{application_id}/einreichen", data={"_csrf_token": token, "version": "1"}
        )
        assert submit.status_code == 404
        assert (await other.get(f"/antraege/{application_id}/eingang/1")).status_code == 404
    assert (await api_draft(app, created, application_id))["draft"]["title"] != "übernommen"


async def test_an_unknown_step_is_not_found(client: httpx.AsyncClient, app: Litestar) -> None:
    application_id, _ = await signed_in_draft(app, client)
    assert (await client.get(f"/antraege/{application_id}/bearbeiten/hack")).status_code == 404


CONCEPT_SECTIONS = (
    "initial_situation",
    "goals",
    "measures",
    "target_groups",
    "sustainability",
    "cooperation",
)
_UPLOAD_ACTION = re.compile(r'action="(/antraege/[^"]+/unterlagen/concept\?_csrf_token=[^"]+)"')


async def upload_concept(
    client: httpx.AsyncClient, application_id: str, content: bytes, name: str = "Konzept.pdf"
) -> httpx.Response:
    page = await client.get(f"/antraege/{application_id}/unterlagen")
    assert page.status_code == 200
    action = _UPLOAD_ACTION.search(page.text)
    assert action, "no upload form for the concept"
    url = action.group(1).replace("&amp;", "&")
    return await client.post(url, files={"file": (name, content, "application/pdf")})


async def fill_completely(client: httpx.AsyncClient, application_id: str) -> None:
    steps = {
        "grunddaten": {
            "title": "Makerspace im Bahnhof",
            "summary": "Eine offene Werkstatt",
            "municipality_key": "14521530",
            "planned_start": "2027-03-01",
            "planned_end": "2028-03-31",
            "objectives": ["a", "e"],
        },
        "konzept": dict.fromkeys(
            (
                "initial_situation",
                "goals",
                "measures",
                "target_groups",
                "sustainability",
                "cooperation",
            ),
            "Text",
        ),
        "kosten": {
            "cost_amounts": "gross",
            "cost-1-category": "equipment",
            "cost-1-description": "3D-Drucker",
            "cost-1-amount": "12.500,00",
            "requested_grant": "10.000",
            "own_funds": "2.500,00",
        },
        "erklaerungen": {
            "subsidy_relevant_facts_acknowledged": "ja",
            "not_started_declared": "ja",
            "data_protection_acknowledged": "ja",
            "economic_activity": "nein",
            "vat_deduction": "none",
        },
    }
    for step, fields in steps.items():
        response = await save(client, application_id, step, fields)
        assert response.status_code == 303, (step, response.text)


async def test_from_the_uploads_to_the_receipt(client: httpx.AsyncClient, app: Litestar) -> None:
    application_id, created = await signed_in_draft(app, client)
    await fill_completely(client, application_id)
    check = (await client.get(f"/antraege/{application_id}/bearbeiten/pruefen")).text
    assert "Konzept (PDF) nicht hochgeladen" in check
    assert "disabled" in check  # nothing to submit yet

    uploaded = await upload_concept(client, application_id, pdf())
    assert uploaded.status_code == 303, uploaded.text
    listing = (await client.get(uploaded.headers["location"])).text
    assert "Hochgeladen: Konzept.pdf" in listing

    page = await client.get(f"/antraege/{application_id}/bearbeiten/pruefen")
    assert "Projektskizze verbindlich einreichen" in page.text
    assert "disabled" not in page.text.split("verbindlich einreichen")[0].rsplit("<button", 1)[1]
    token = await form_token(client, f"/antraege/{application_id}/bearbeiten/pruefen")
    version = _VERSION.search(page.text)
    key = re.search(r'name="submission_key" value="([^"]+)"', page.text)
    acknowledged = re.findall(r'name="acknowledged_rules" value="([^"]+)"', page.text)
    assert version and key
    form = {
        "_csrf_token": token,
        "version": version.group(1),
        "submission_key": key.group(1),
        "acknowledged_rules": acknowledged,
    }
    submitted = await client.post(f"/antraege/{application_id}/einreichen", data=form)
    assert submitted.status_code == 303, submitted.text
    assert submitted.headers["location"] == f"/antraege/{application_id}/eingang/1"
    # A double click: the same key replays the receipt, no second submission.
    again = await client.post(f"/antraege/{application_id}/einreichen", data=form)
    assert again.status_code == 303
    assert again.headers["location"] == f"/antraege/{application_id}/eingang/1"

    receipt = (await client.get(submitted.headers["location"])).text
    assert "Eingegangen:" in receipt and " Uhr" in receipt
    api = await api_draft(app, created, application_id)
    assert api["status"] == "submitted" and api["submission_count"] == 1
    assert api["reference_number"] in receipt


async def test_a_file_of_the_wrong_type_is_refused_saying_what_is_allowed(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, _ = await signed_in_draft(app, client)
    response = await upload_concept(client, application_id, PNG, name="bild.png")
    assert response.status_code == 415
    html = response.text
    assert 'id="file-concept-fehler"' in html
    assert "Erlaubt: PDF" in html and "MB" in html
    assert "Noch keine Unterlagen hochgeladen" in html


async def test_an_upload_without_its_form_token_is_refused(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, _ = await signed_in_draft(app, client)
    await client.get(f"/antraege/{application_id}/unterlagen")
    for url in (
        f"/antraege/{application_id}/unterlagen/concept",
        f"/antraege/{application_id}/unterlagen/concept?_csrf_token=forged",
    ):
        response = await client.post(url, files={"file": ("k.pdf", pdf(), "application/pdf")})
        assert response.status_code == 403
    page = (await client.get(f"/antraege/{application_id}/unterlagen")).text
    assert "Noch keine Unterlagen hochgeladen" in page


async def test_another_organisation_cannot_upload_to_a_draft(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, _ = await signed_in_draft(app, client)
    async with client_for(app) as other:
        async with client_for(app) as api:
            stranger = await register(api)
        await sign_in(other, stranger["email"], PASSWORD)
        assert (await other.get(f"/antraege/{application_id}/unterlagen")).status_code == 404
        token = await form_token(other, "/antraege/neu")
        response = await other.post(
            f"/antraege/{application_id}/unterlagen/concept?_csrf_token={token}",
            files={"file": ("k.pdf", pdf(), "application/pdf")},
        )
        assert response.status_code == 404
