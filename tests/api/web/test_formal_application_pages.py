"""The formal application after an invitation, over HTTP: one page saved into the content
the API keeps (amounts in German notation, rows dropped when empty), the awards feature's
own check listing what is open at its fields, a malformed entry named at its field, a stale
version a conflict with the input kept, the declarations confirmed again at submission, and
the receipt; another organisation gets a 404."""

from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.settings import Settings
from tests.api.evaluation.scoring_helpers import ranked_call
from tests.api.web.test_account_pages import PASSWORD, form_token, post_form, sign_in
from tests.awards_factories import formal_content, step
from tests.conftest import client_for
from tests.evaluation_factories import closing_app
from tests.factories import bearer, login, register
from tests.fakes import FakeClock


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    """The demo call closes seconds after the clock starts (``tests.evaluation_factories``)."""
    return closing_app(settings, session_factory, clock)


async def invited(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> tuple[str, dict[str, Any]]:
    """Application A of the ranked call, recommended by the jury and invited by the
    programme manager; its applicant signed in on the portal (``client``)."""
    async with client_for(app) as api:
        call = await ranked_call(api, db_session, clock)
        application_id = call["apps"]["A"]["id"]
        decided = await api.put(
            f"/api/evaluation/decisions/{application_id}",
            json={"recommendation": "recommended", "reason": "Jury-Sitzung vom 10.05."},
            headers=call["manager"],
        )
        assert decided.status_code in {200, 201}, decided.text
        await step(api, call["manager"], application_id, "invite")
    account = call["applicant_account"]
    await sign_in(client, account["email"], PASSWORD)
    return application_id, account


def complete_form(version: str) -> dict[str, Any]:
    """The page's fields for ``formal_content("600000")`` of the awards tests: complete."""
    content = formal_content("600000")
    fields: dict[str, Any] = {"version": version, **content["organisation"]}
    representative = content["legal_representatives"][0]
    fields |= {
        "rep-1-name": representative["name"],
        "rep-1-function": representative["function"],
        "rep-1-sole_power": "ja",
        "bank_holder": content["bank_account"]["holder"],
        "bank_iban": content["bank_account"]["iban"],
    }
    for number, year in enumerate(content["fiscal_years"], start=1):
        line = year["cost_lines"][0]
        fields |= {
            f"year-{number}-fiscal_year": str(year["fiscal_year"]),
            f"year-{number}-cost-1-category": line["category"],
            f"year-{number}-cost-1-description": line["description"],
            f"year-{number}-cost-1-amount": line["amount"],
            f"year-{number}-requested_grant": year["requested_grant"],
            f"year-{number}-own_funds": year["own_funds"],
        }
    return fields


def formal_form(version: str, **overrides: str) -> dict[str, str]:
    fields = {
        "version": version,
        "register_court": "Amtsgericht Chemnitz",
        "register_number": "VR 4711",
        "tax_number": "231/140/12345",
        "vat_status": "none",
        "nace_code": "94.99",
        "rep-1-name": "Anna Beispiel",
        "rep-1-function": "Vorsitzende",
        "rep-1-sole_power": "ja",
        "bank_holder": "KulturWerk Schneeberg e.V.",
        "bank_iban": "DE89 3704 0044 0532 0130 00",
        "year-1-fiscal_year": "2027",
        "year-1-cost-1-category": "equipment",
        "year-1-cost-1-description": "3D-Drucker",
        "year-1-cost-1-amount": "12.500,00",
        "year-1-requested_grant": "10.000,00",
        "year-1-own_funds": "2.500,00",
    }
    fields.update(overrides)
    return fields


async def api_formal(app: Litestar, created: dict[str, Any], application_id: str) -> dict[str, Any]:
    async with client_for(app) as api:
        tokens = await login(api, created["email"], PASSWORD)
        response = await api.get(
            f"/api/applications/{application_id}/formal-application", headers=bearer(tokens)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


async def test_the_formal_application_is_saved_checked_and_submitted(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, clock: FakeClock
) -> None:
    application_id, created = await invited(app, client, db_session, clock)
    status = (await client.get(f"/antraege/{application_id}")).text
    assert f'href="/antraege/{application_id}/antrag"' in status
    url = f"/antraege/{application_id}/antrag"
    page = await client.get(url)
    assert page.status_code == 200
    assert "Förmlicher Antrag" in page.text and "Einzureichen bis" in page.text

    partial = await post_form(client, url, formal_form("0"))
    assert partial.status_code == 303, partial.text
    stored = await api_formal(app, created, application_id)
    content = stored["content"]
    assert content["organisation"]["register_court"] == "Amtsgericht Chemnitz"
    assert content["legal_representatives"] == [
        {"name": "Anna Beispiel", "function": "Vorsitzende", "sole_power": True}
    ]
    year = content["fiscal_years"][0]
    assert year["fiscal_year"] == 2027
    assert Decimal(year["cost_lines"][0]["amount"]) == Decimal("12500")
    assert content["staff"] == [] and content["partners"] == []  # empty rows dropped
    back = (await client.get(url)).text
    assert 'value="12.500,00"' in back and 'value="Amtsgericht Chemnitz"' in back

    # The awards feature's own check names what is open (one year, costs not the sketch's).
    assert not stored["complete"] and stored["problems"]
    assert "Punkt offen" in back or "Punkte offen" in back
    assert "Förmlichen Antrag verbindlich einreichen" in back and "disabled" in back

    complete = await post_form(client, url, complete_form(str(stored["version"])))
    assert complete.status_code == 303, complete.text
    stored = await api_formal(app, created, application_id)
    assert stored["complete"], stored["problems"]
    keys = [d["key"] for d in stored["declarations"]]
    token = await form_token(client, url)
    submitted = await client.post(
        f"{url}/einreichen",
        data={
            "_csrf_token": token,
            "version": str(stored["version"]),
            "confirmed_declarations": keys,
        },
    )
    assert submitted.status_code == 303, submitted.text
    receipt = (await client.get(submitted.headers["location"])).text
    assert "Förmlicher Antrag eingegangen" in receipt


async def test_a_malformed_entry_is_named_and_a_stale_version_is_a_conflict(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, clock: FakeClock
) -> None:
    application_id, created = await invited(app, client, db_session, clock)
    url = f"/antraege/{application_id}/antrag"
    assert (await post_form(client, url, formal_form("0"))).status_code == 303
    stored = await api_formal(app, created, application_id)
    version = str(stored["version"])
    # Saved as typed (a working copy may be wrong), named at its field on every read.
    wrong = await post_form(
        client, url, formal_form(version, **{"year-1-cost-1-amount": "zwölftausend"})
    )
    assert wrong.status_code == 303
    page = (await client.get(url)).text
    assert 'href="#year-1-cost-1-amount"' in page
    assert 'value="zwölftausend"' in page
    version = str((await api_formal(app, created, application_id))["version"])

    ok = await post_form(client, url, formal_form(version, nace_code="94.91"))
    assert ok.status_code == 303
    stale = await post_form(client, url, formal_form(version, nace_code="47.11"))
    assert stale.status_code == 409
    assert "inzwischen an anderer Stelle geändert" in stale.text and 'value="47.11"' in stale.text
    assert (await api_formal(app, created, application_id))["content"]["organisation"][
        "nace_code"
    ] == "94.91"


async def test_another_organisation_cannot_see_or_save_it(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, clock: FakeClock
) -> None:
    application_id, _ = await invited(app, client, db_session, clock)
    async with client_for(app) as other:
        async with client_for(app) as api:
            stranger = await register(api)
        await sign_in(other, stranger["email"], PASSWORD)
        url = f"/antraege/{application_id}/antrag"
        assert (await other.get(url)).status_code == 404
        token = await form_token(other, "/antraege/neu")
        for path in ("", "/einreichen"):
            response = await other.post(url + path, data={"_csrf_token": token, **formal_form("0")})
            assert response.status_code == 404, path
        assert (await other.get(f"{url}/eingang/1")).status_code == 404
