"""After drafting, over HTTP: withdrawing (with confirmation and a reason) and discarding a
draft, a second version and the differences, the receipt as PDF, and answering a request for
information — through the same services as the API, refused for other organisations."""

import re
import uuid

import httpx
from litestar import Litestar

from tests.api.web.test_account_pages import PASSWORD, form_token, post_form, sign_in
from tests.api.web.test_draft_pages import (
    _VERSION,
    api_draft,
    fill_completely,
    save,
    signed_in_draft,
    upload_concept,
)
from tests.attachment_files import pdf
from tests.conftest import client_for
from tests.factories import register


async def submit(client: httpx.AsyncClient, application_id: str) -> str:
    page = await client.get(f"/antraege/{application_id}/bearbeiten/pruefen")
    version = _VERSION.search(page.text)
    key = re.search(r'name="submission_key" value="([^"]+)"', page.text)
    assert version and key, page.text
    response = await client.post(
        f"/antraege/{application_id}/einreichen",
        data={
            "_csrf_token": await form_token(client, "/antraege/neu"),
            "version": version.group(1),
            "submission_key": key.group(1),
            "acknowledged_rules": re.findall(
                r'name="acknowledged_rules" value="([^"]+)"', page.text
            ),
        },
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def submitted_through_the_pages(app: Litestar, client: httpx.AsyncClient) -> tuple[str, dict]:  # type: ignore[type-arg]
    application_id, created = await signed_in_draft(app, client)
    await fill_completely(client, application_id)
    assert (await upload_concept(client, application_id, pdf())).status_code == 303
    await submit(client, application_id)
    return application_id, created


async def test_withdrawal_needs_a_reason_and_a_confirmation(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await submitted_through_the_pages(app, client)
    status = (await client.get(f"/antraege/{application_id}")).text
    assert "Antrag zurückziehen" in status
    form = await client.get(f"/antraege/{application_id}/zurueckziehen")
    assert form.status_code == 200 and "lässt sich nicht rückgängig machen" in form.text
    refused = await post_form(
        client, f"/antraege/{application_id}/zurueckziehen", {"art": "withdraw"}
    )
    assert refused.status_code == 422
    assert 'href="#reason"' in refused.text and 'href="#bestaetigt"' in refused.text
    assert (await api_draft(app, created, application_id))["status"] == "submitted"
    done = await post_form(
        client,
        f"/antraege/{application_id}/zurueckziehen",
        {"art": "withdraw", "reason": "Förderung anderweitig gesichert", "bestaetigt": "ja"},
    )
    assert done.status_code == 303
    assert (await api_draft(app, created, application_id))["status"] == "withdrawn"
    page = (await client.get(f"/antraege/{application_id}")).text
    assert "Zurückgezogen" in page and "Förderung anderweitig gesichert" in page


async def test_a_draft_is_discarded_not_withdrawn(client: httpx.AsyncClient, app: Litestar) -> None:
    application_id, created = await signed_in_draft(app, client)
    form = (await client.get(f"/antraege/{application_id}/zurueckziehen")).text
    assert "Entwurf verwerfen" in form
    version = _VERSION.search(form)
    assert version
    done = await post_form(
        client,
        f"/antraege/{application_id}/zurueckziehen",
        {"art": "discard", "version": version.group(1), "bestaetigt": "ja"},
    )
    assert done.status_code == 303
    assert (await api_draft(app, created, application_id))["status"] == "discarded"
    assert application_id not in (await client.get("/antraege")).text


async def test_a_second_version_shows_what_changed_escaped(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, _ = await submitted_through_the_pages(app, client)
    response = await save(
        client,
        application_id,
        "grunddaten",
        {
            "title": "<b>Neuer</b> Titel",
            "summary": "Eine offene Werkstatt",
            "municipality_key": "14521530",
            "planned_start": "2027-03-01",
            "planned_end": "2028-03-31",
            "objectives": ["a", "e"],
        },
    )
    assert response.status_code == 303
    assert (await submit(client, application_id)).endswith("/eingang/2")
    status = (await client.get(f"/antraege/{application_id}")).text
    assert f'href="/antraege/{application_id}/fassungen/2/unterschiede"' in status
    diff = await client.get(f"/antraege/{application_id}/fassungen/2/unterschiede")
    assert diff.status_code == 200
    assert "&lt;b&gt;Neuer&lt;/b&gt; Titel" in diff.text and "<b>Neuer</b>" not in diff.text
    assert "Makerspace im Bahnhof" in diff.text  # the version before


async def test_the_receipt_as_pdf(client: httpx.AsyncClient, app: Litestar) -> None:
    application_id, _ = await submitted_through_the_pages(app, client)
    response = await client.get(f"/antraege/{application_id}/eingang/1/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "private, no-store"
    async with client_for(app) as other:
        async with client_for(app) as api:
            stranger = await register(api)
        await sign_in(other, stranger["email"], PASSWORD)
        refused = await other.get(f"/antraege/{application_id}/eingang/1/pdf")
        assert refused.status_code == 404
        assert (await other.get(f"/briefe/{uuid.uuid4()}/pdf")).status_code == 404


async def test_another_organisation_can_neither_withdraw_nor_answer(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    application_id, created = await submitted_through_the_pages(app, client)
    async with client_for(app) as other:
        async with client_for(app) as api:
            stranger = await register(api)
        await sign_in(other, stranger["email"], PASSWORD)
        token = await form_token(other, "/antraege/neu")
        for path in (
            f"/antraege/{application_id}/zurueckziehen",
            f"/antraege/{application_id}/fassungen/1/unterschiede",
        ):
            assert (await other.get(path)).status_code == 404, path
        withdrawn = await other.post(
            f"/antraege/{application_id}/zurueckziehen",
            data={"_csrf_token": token, "art": "withdraw", "reason": "x", "bestaetigt": "ja"},
        )
        assert withdrawn.status_code == 404
        answered = await other.post(
            f"/antraege/{application_id}/nachforderungen/{uuid.uuid4()}/antwort",
            data={"_csrf_token": token, "text": "x"},
        )
        assert answered.status_code == 404
    assert (await api_draft(app, created, application_id))["status"] == "submitted"
