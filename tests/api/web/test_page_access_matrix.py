"""The cross-organisation matrix over the portal's pages: every page route of the app is
either public or listed here, and each listed one — every method — is a 404 for a signed-in
member of another organisation and a way to the sign-in for nobody signed in; nothing it
would change changes. A new page without a line here fails the first test."""

import re
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.api.web.test_account_pages import PASSWORD, form_token, sign_in
from tests.api.web.test_application_actions import submitted_through_the_pages
from tests.api.web.test_draft_pages import api_draft
from tests.attachment_files import pdf
from tests.conftest import client_for
from tests.factories import bearer, login, register

NOT_PAGES = ("/api", "/docs", "/health", "/static", "/schema")
PUBLIC = {
    "/",
    "/richtlinien/{guideline_id:str}",
    "/vorab-check",
    "/impressum",
    "/datenschutz",
    "/barrierefreiheit",
    "/anmelden",
    "/abmelden",
    "/registrieren",
    "/registrieren/bestaetigen",
    "/passwort-vergessen",
    "/passwort-neu",
    "/einladung",
    "/sprache/{language:str}",
}
# Pages of one signed-in user, not of an organisation's object: sign-in first, nothing else.
OWN = {"/antraege", "/antraege/neu", "/organisation"}
# Pages of an organisation's application (or its letter), with every method they answer.
OWNED = {
    "/antraege/{application_id:uuid}": {"GET"},
    "/antraege/{application_id:uuid}/bearbeiten": {"GET"},
    "/antraege/{application_id:uuid}/bearbeiten/{step:str}": {"GET", "POST"},
    "/antraege/{application_id:uuid}/einreichen": {"POST"},
    "/antraege/{application_id:uuid}/eingang/{number:int}": {"GET"},
    "/antraege/{application_id:uuid}/eingang/{number:int}/pdf": {"GET"},
    "/antraege/{application_id:uuid}/aufforderung/pdf": {"GET"},
    "/antraege/{application_id:uuid}/fassungen/{number:int}/unterschiede": {"GET"},
    "/antraege/{application_id:uuid}/zurueckziehen": {"GET", "POST"},
    "/antraege/{application_id:uuid}/nachforderungen/{information_request_id:uuid}/antwort": {
        "POST"
    },
    "/antraege/{application_id:uuid}/unterlagen": {"GET"},
    "/antraege/{application_id:uuid}/unterlagen/{kind:str}": {"POST"},
    "/antraege/{application_id:uuid}/unterlagen/{attachment_id:uuid}/entfernen": {"POST"},
    "/briefe/{letter_id:uuid}/pdf": {"GET"},
    "/antraege/{application_id:uuid}/antrag": {"GET", "POST"},
    "/antraege/{application_id:uuid}/antrag/einreichen": {"POST"},
    "/antraege/{application_id:uuid}/antrag/eingang/{number:int}": {"GET"},
    "/organisationen/{organisation_id:uuid}": {"GET", "POST"},
    "/organisationen/{organisation_id:uuid}/einladungen": {"POST"},
    "/organisationen/{organisation_id:uuid}/einladungen/{invitation_id:uuid}/widerrufen": {"POST"},
    "/organisationen/{organisation_id:uuid}/mitglieder/{user_id:uuid}/entfernen": {"POST"},
    "/organisationen/{organisation_id:uuid}/zustellung": {"POST"},
}

# Staff pages, with every method: an applicant (of any organisation) gets 404, nobody signed
# in the sign-in; who among the staff may see which object: ``test_evaluator_pages``,
# ``test_ranking_pages``, ``test_manager_application_pages``, ``test_decision_pages``,
# ``test_payment_pages``, ``test_audit_pages``, ``test_assignment_pages``, ``test_jury_pages``,
# ``test_proof_pages``.
STAFF = {
    "/begutachtung": {"GET"},
    "/begutachtung/{assignment_id:uuid}": {"GET"},
    "/begutachtung/{assignment_id:uuid}/annehmen": {"POST"},
    "/begutachtung/{assignment_id:uuid}/abgeben": {"GET", "POST"},
    "/begutachtung/{assignment_id:uuid}/bewertung": {"POST"},
    "/begutachtung/{assignment_id:uuid}/unterlagen/{attachment_id:uuid}": {"GET"},
    "/verwaltung": {"GET"},
    "/verwaltung/rangliste/{call:str}": {"GET"},
    "/verwaltung/rangliste/{call:str}/export/{kind:str}": {"GET"},
    "/verwaltung/antraege": {"GET"},
    "/verwaltung/antraege/{application_id:uuid}": {"GET"},
    "/verwaltung/antraege/{application_id:uuid}/formalpruefung": {"GET", "POST"},
    "/verwaltung/uebersicht/{guideline_id:str}": {"GET"},
    "/verwaltung/uebersicht/{guideline_id:str}/csv/{table:str}": {"GET"},
    "/verwaltung/uebersicht/{guideline_id:str}/xlsx": {"GET"},
    "/verwaltung/uebersicht/{guideline_id:str}/budget": {"POST"},
    "/verwaltung/nachweise/{proof_id:uuid}": {"GET"},
    "/verwaltung/nachweise/{proof_id:uuid}/pruefen": {"POST"},
    "/verwaltung/stichprobe/{guideline_id:str}/{call_code:str}": {"GET", "POST"},
    "/verwaltung/antraege/{application_id:uuid}/bescheide": {"POST"},
    "/verwaltung/bescheide/{decision_id:uuid}": {"GET"},
    "/verwaltung/bescheide/{decision_id:uuid}/entwurf.pdf": {"GET"},
    "/verwaltung/bescheide/{decision_id:uuid}/erlassen": {"POST"},
    "/verwaltung/bescheide/{decision_id:uuid}/zweitfreigabe": {"POST"},
    "/verwaltung/bescheide/{decision_id:uuid}/verwerfen": {"POST"},
    "/verwaltung/briefe/{guideline_id:str}/{call_code:str}": {"POST"},
    "/verwaltung/briefe/{batch_id:uuid}": {"GET"},
    "/verwaltung/mittelabrufe/{payment_id:uuid}": {"GET"},
    "/verwaltung/mittelabrufe/{payment_id:uuid}/{action:str}": {"POST"},
    "/verwaltung/protokoll": {"GET"},
    "/verwaltung/protokoll/pruefen": {"POST"},
    "/verwaltung/zuordnung/{call:str}": {"GET"},
    "/verwaltung/zuordnung/{call:str}/automatisch": {"POST"},
    "/verwaltung/zuordnung/{call:str}/umverteilen": {"POST"},
    "/verwaltung/jury/{guideline_id:str}/{call_code:str}": {"GET"},
    "/verwaltung/jury/{guideline_id:str}/{call_code:str}/mitglieder": {"POST"},
    "/verwaltung/jury/{guideline_id:str}/{call_code:str}/mitglieder/{member_id:uuid}/entfernen": {
        "POST"
    },
    "/verwaltung/jury/{guideline_id:str}/{call_code:str}/sitzungen": {"POST"},
    "/verwaltung/jury/{guideline_id:str}/{call_code:str}/sitzungen/{session_id:uuid}": {"GET"},
    "/verwaltung/jury/{guideline_id:str}/{call_code:str}/sitzungen/{session_id:uuid}/{step:str}": {
        "POST"
    },
}


def _page_routes(app: Litestar) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if route.path.startswith(NOT_PAGES):
            continue
        methods = {m for m in getattr(route, "methods", set()) if m not in {"HEAD", "OPTIONS"}}
        found.setdefault(route.path, set()).update(methods)
    return found


def test_every_page_is_public_or_in_the_matrix(app: Litestar) -> None:
    routes = _page_routes(app)
    unlisted = {path for path in routes if path not in PUBLIC | OWN | set(OWNED) | set(STAFF)}
    assert unlisted == set(), f"pages missing from the access matrix: {sorted(unlisted)}"
    for path, methods in {**OWNED, **STAFF}.items():
        assert routes.get(path) == methods, (path, routes.get(path))


def _url(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: values[m.group(1)], template)


@pytest.fixture
async def owned(client: httpx.AsyncClient, app: Litestar) -> dict[str, Any]:
    """A submitted application of organisation A with a document on file."""
    application_id, created = await submitted_through_the_pages(app, client)
    async with client_for(app) as api:
        tokens = await login(api, created["email"], PASSWORD)
        documents = await api.get(
            f"/api/applications/{application_id}/attachments", headers=bearer(tokens)
        )
    return {
        "application_id": application_id,
        "created": created,
        "values": {
            "application_id": application_id,
            "step": "grunddaten",
            "number": "1",
            "kind": "concept",
            "information_request_id": str(uuid.uuid4()),
            "attachment_id": documents.json()[0]["id"],
            "letter_id": str(uuid.uuid4()),
            "organisation_id": str(created["organisation"]["id"]),
            "invitation_id": str(uuid.uuid4()),
            "user_id": str(created["user"]["id"]),
            "assignment_id": str(uuid.uuid4()),
            "call": "demo",
            "guideline_id": "frl-lifd",
            "table": "budget",
            "decision_id": str(uuid.uuid4()),
            "call_code": "demo",
            "batch_id": str(uuid.uuid4()),
            "payment_id": str(uuid.uuid4()),
            "action": "anordnen",
            "member_id": str(uuid.uuid4()),
            "session_id": str(uuid.uuid4()),
            "proof_id": str(uuid.uuid4()),
        },
    }


async def _attempt(client: httpx.AsyncClient, method: str, url: str, token: str) -> httpx.Response:
    if method == "GET":
        return await client.get(url)
    if url.endswith("/unterlagen/concept"):
        return await client.post(
            f"{url}?_csrf_token={token}", files={"file": ("k.pdf", pdf(), "application/pdf")}
        )
    data = {
        "_csrf_token": token,
        "version": "99",
        "title": "übernommen",
        "text": "übernommen",
        "art": "withdraw",
        "reason": "übernommen",
        "bestaetigt": "ja",
        "street": "übernommen",
        "invite_email": "uebernahme@example.org",
        "role": "admin",
        "consented": "ja",
    }
    return await client.post(url, data=data)


async def _organisation(app: Litestar, owned: dict[str, Any]) -> tuple[Any, Any, Any]:
    """A's organisation as its admin reads it: master data, members, invitations."""
    async with client_for(app) as api:
        tokens = await login(api, owned["created"]["email"], PASSWORD)
        url = f"/api/organisations/{owned['values']['organisation_id']}"
        found = []
        for path in ("", "/members", "/invitations"):
            found.append((await api.get(url + path, headers=bearer(tokens))).json())
        return found[0], found[1], found[2]


async def test_another_organisation_gets_404_everywhere_and_changes_nothing(
    app: Litestar, owned: dict[str, Any]
) -> None:
    before = await api_draft(app, owned["created"], owned["application_id"])
    organisation_before = await _organisation(app, owned)
    async with client_for(app) as other:
        async with client_for(app) as api:
            stranger = await register(api, organisation={"legal_name": "Fremde GmbH"})
        await sign_in(other, stranger["email"], PASSWORD)
        token = await form_token(other, "/antraege/neu")
        for template, methods in {**OWNED, **STAFF}.items():
            for method in sorted(methods):
                url = _url(template, owned["values"])
                response = await _attempt(other, method, url, token)
                assert response.status_code == 404, (method, url, response.status_code)
                assert "übernommen" not in response.text
    after = await api_draft(app, owned["created"], owned["application_id"])
    assert after == before
    assert await _organisation(app, owned) == organisation_before


async def test_nobody_signed_in_is_sent_to_the_sign_in_everywhere(
    app: Litestar, owned: dict[str, Any]
) -> None:
    before = await api_draft(app, owned["created"], owned["application_id"])
    async with client_for(app) as anonymous:
        token = await form_token(anonymous, "/anmelden")
        every = {**OWNED, **STAFF, **{path: {"GET"} for path in OWN}}
        for template, methods in every.items():
            for method in sorted(methods):
                url = _url(template, owned["values"])
                response = await _attempt(anonymous, method, url, token)
                assert response.status_code == 303, (method, url, response.status_code)
                assert response.headers["location"].startswith("/anmelden?next="), url
    assert await api_draft(app, owned["created"], owned["application_id"]) == before
