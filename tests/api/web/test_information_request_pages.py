"""Answering a request for information (Nachforderung) on the application's page: asked by
a programme manager over the API after the deadline, shown escaped, answered with the same
checks as the API's answer (an empty answer is named on the form and sends nothing)."""

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.roles import StaffRole
from grants.settings import Settings
from tests.api.web.test_account_pages import post_form
from tests.api.web.test_application_actions import submitted_through_the_pages
from tests.api.web.test_draft_pages import api_draft
from tests.conftest import client_for
from tests.evaluation_factories import close_call, closing_app
from tests.factories import staff_headers
from tests.fakes import FakeClock


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    """The demo call closes seconds after the clock starts (``tests.evaluation_factories``)."""
    return closing_app(settings, session_factory, clock)


async def test_a_request_for_information_is_answered_on_the_page(
    client: httpx.AsyncClient, app: Litestar, db_session: AsyncSession, clock: FakeClock
) -> None:
    application_id, created = await submitted_through_the_pages(app, client)
    async with client_for(app) as api:
        await close_call(api, clock)
        manager = await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER)
        url = f"/api/applications/{application_id}"
        started = await api.post(
            f"{url}/transitions", json={"event": "start_formal_check"}, headers=manager
        )
        assert started.status_code == 200, started.text
        asked = await api.post(
            f"{url}/information-requests",
            json={"items": ["Satzung des <i>Vereins</i>"], "due_at": "2030-01-15T23:59:59+01:00"},
            headers=manager,
        )
        assert asked.status_code == 201, asked.text
        request_id = asked.json()["id"]
    page = (await client.get(f"/antraege/{application_id}")).text
    assert "Nachforderungen der Bewilligungsstelle" in page
    assert "Satzung des &lt;i&gt;Vereins&lt;/i&gt;" in page
    assert "Nachforderung beantworten" in (await client.get("/antraege")).text
    empty = await post_form(
        client,
        f"/antraege/{application_id}/nachforderungen/{request_id}/antwort",
        {"text": ""},
        form_page=f"/antraege/{application_id}",
    )
    assert empty.status_code == 422
    assert f'id="antwort-{request_id}-fehler"' in empty.text
    answered = await post_form(
        client,
        f"/antraege/{application_id}/nachforderungen/{request_id}/antwort",
        {"text": "Die Satzung liegt bei."},
        form_page=f"/antraege/{application_id}",
    )
    assert answered.status_code == 303
    after = (await client.get(answered.headers["location"])).text
    assert "Ihre Antwort ist eingegangen" in after and "Die Satzung liegt bei." in after
    assert (await api_draft(app, created, application_id))["status"] == "formal_check"
